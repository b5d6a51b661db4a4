/**
 * Snapshot compaction, run on the `files` table's stream. For each file whose S3-held content is
 * followed by SNAPSHOT_EVERY patches (or SNAPSHOT_PATCH_CHARS of patch JSON), it applies the logged
 * patches to the head's content object, checks the result against the SHA-256 the last writer
 * declared, writes it once under `snapshots/<fileId>/<version>` (a conditional put: an existing
 * object is never replaced; a retried batch finds its own earlier write, checked by its SHA-256) and
 * moves the head's pointer only if nobody moved it meanwhile. Inline files keep their base in the BODY item, which commits move.
 *
 * When the head's pointer moves (a MODIFY of the head whose `contentKey` changed: this handler's own
 * move, or a whole-content change), the file's superseded snapshots are collected: of the snapshot
 * keys at or below the head's `contentVersion`, the newest SNAPSHOTS_KEPT stay (the current one and
 * its predecessor, for readers still holding a URL or a page naming it) and older ones are deleted.
 * Keys above `contentVersion` (a snapshot whose pointer move is still to come), the head's own key
 * and anything under the prefix that is not a snapshot key are never deleted.
 *
 * When an idempotency record expires (a TTL REMOVE of `REQ#…`), a quiet file's tail is settled into
 * its base, inline (the BODY item) or S3-held (a snapshot), so no version rests only on change
 * records that expire in turn (idle.ts).
 */
import { createHash } from 'node:crypto';
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { applyText } from '../../../client/patch/index.ts';
import { SNAPSHOT_EVERY, SNAPSHOT_PATCH_CHARS } from '../../lib/limits.ts';
import { contentBucket, s3 } from '../content/s3.ts';
import { snapshotKey } from '../content/keys.ts';
import { dynamodb, filesTable } from './dynamodb.ts';
import { changes, settleBody, tailDue } from './idle.ts';
import { StreamBatch, type BatchItemFailure } from '../shared/stream-batch.ts';

type Image = Record<string, { S?: string }>;

interface StreamRecord {
  eventID?: string;
  eventName?: string;
  dynamodb?: { Keys?: Image; OldImage?: Image; NewImage?: Image; SequenceNumber?: string };
}

/** How many snapshots of a file at or below its head's `contentVersion` are kept: the current one and the one before. */
export const SNAPSHOTS_KEPT = 2;

export async function handler(event: { Records?: StreamRecord[] }): Promise<{ snapshots: string[]; deleted: string[]; bodies: string[]; batchItemFailures: BatchItemFailure[] }> {
  const files = new Map<string, StreamRecord[]>();
  const moved = new Map<string, StreamRecord[]>();
  const quiet = new Map<string, StreamRecord[]>();
  const add = (m: Map<string, StreamRecord[]>, k: string, r: StreamRecord) => m.set(k, [...(m.get(k) ?? []), r]);
  for (const r of event.Records ?? []) {
    const pk = r.dynamodb?.Keys?.pk?.S;
    const sk = r.dynamodb?.Keys?.sk?.S;
    if (!pk?.startsWith('FILE#')) continue;
    // A new change record is what can push a file past the bound.
    if (r.eventName === 'INSERT' && sk?.startsWith('V#')) add(files, pk.slice(5), r);
    // A moved pointer is what supersedes a snapshot. A retried batch sees the same record again.
    if (r.eventName === 'MODIFY' && sk === 'HEAD' && r.dynamodb?.OldImage?.contentKey?.S !== r.dynamodb?.NewImage?.contentKey?.S) add(moved, pk.slice(5), r);
    // An expired idempotency record: the file may have gone quiet with a tail after its base.
    if (r.eventName === 'REMOVE' && sk?.startsWith('REQ#')) add(quiet, pk.slice(5), r);
  }
  // Each file on its own: a failure is logged and reported (its records) and the other files go on.
  const batch = new StreamBatch('snapshot');
  const snapshots: string[] = [];
  for (const [fileId, records] of files) {
    try {
      const key = await maybeSnapshot(fileId);
      if (key) snapshots.push(key);
    } catch (e) {
      for (const r of records) batch.fail(r, e, { fileId });
    }
  }
  const bodies: string[] = [];
  for (const [fileId, records] of quiet) {
    try {
      const version = await settleBody(fileId);
      if (version !== undefined) bodies.push(`${fileId}@${version}`);
      const key = await maybeSnapshot(fileId, true);
      if (key) snapshots.push(key);
    } catch (e) {
      for (const r of records) batch.fail(r, e, { fileId });
    }
  }
  const deleted: string[] = [];
  for (const [fileId, records] of moved) {
    try {
      deleted.push(...(await collectSnapshots(fileId)));
    } catch (e) {
      for (const r of records) batch.fail(r, e, { fileId });
    }
  }
  return { snapshots, deleted, bodies, batchItemFailures: batch.failures() };
}

type Item = Record<string, NativeAttributeValue>;

/** Snapshots S3-held text past the bound, or (`whenDue`, a quiet file: idle.ts) any tail that is due. */
export async function maybeSnapshot(fileId: string, whenDue = false): Promise<string | undefined> {
  const TableName = filesTable();
  const got = await dynamodb().send(new GetItemCommand({ TableName, Key: { pk: { S: `FILE#${fileId}` }, sk: { S: 'HEAD' } }, ConsistentRead: true }));
  const head = got.Item ? (unmarshall(got.Item) as Item) : undefined;
  if (!head || head.deleted || !head.contentKey || head.encoding !== 'TEXT') return undefined;
  const from = Number(head.contentVersion);
  const to = Number(head.version);
  if (to <= from) return undefined;
  const log = await changes(TableName, fileId, from + 1, to);
  const chars = log.reduce((n, c) => n + (typeof c.patch === 'string' ? c.patch.length : 0), 0);
  if (whenDue ? !tailDue(head, log[0]?.at as string | undefined, Date.now()) : log.length < SNAPSHOT_EVERY && chars < SNAPSHOT_PATCH_CHARS) return undefined;
  // Only an unbroken run of patches can be replayed; a whole-content change moved the pointer itself.
  if (log.length !== to - from || log.some((c) => typeof c.patch !== 'string')) return undefined;

  const Bucket = contentBucket();
  const base = await s3().send(new GetObjectCommand({ Bucket, Key: head.contentKey as string }));
  let text = await base.Body!.transformToString('utf-8');
  for (const c of log) text = applyText(JSON.parse(c.patch as string), text);
  const last = log[log.length - 1]!;
  const bytes = Buffer.from(text, 'utf8');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== last.sha256) throw new Error(`file ${fileId} v${to}: the patches give SHA-256 ${sha256}, the writer declared ${String(last.sha256)}`);

  const Key = snapshotKey(fileId, to);
  const written = await s3()
    .send(new PutObjectCommand({ Bucket, Key, Body: bytes, ContentType: last.contentType as string, IfNoneMatch: '*', Metadata: { sha256 } }))
    .then(
      () => true,
      (e: unknown) => {
        if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 412) throw e;
        return false;
      },
    );
  if (!written) {
    // The key exists: normally an earlier attempt of this batch wrote the same bytes from the same log.
    // It is never replaced, and the pointer moves to it only if it holds what this log gives.
    const existing = await s3().send(new HeadObjectCommand({ Bucket, Key }));
    if (existing.Metadata?.sha256 !== sha256) throw new Error(`file ${fileId} v${to}: ${Key} already holds other content; left as is, the pointer stays at v${from}`);
  }
  await dynamodb()
    .send(
      new UpdateItemCommand({
        TableName,
        Key: { pk: { S: `FILE#${fileId}` }, sk: { S: 'HEAD' } },
        UpdateExpression: 'SET contentKey = :key, contentVersion = :to, contentSha256 = :sha',
        // Only forward, and only from the pointer the snapshot was built on.
        ConditionExpression: 'contentKey = :from_key AND contentVersion = :from',
        ExpressionAttributeValues: { ':key': { S: Key }, ':to': { N: String(to) }, ':sha': { S: sha256 }, ':from_key': { S: head.contentKey as string }, ':from': { N: String(from) } },
      }),
    )
    .catch((e: unknown) => {
      if ((e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
    });
  return Key;
}

/**
 * Deletes the file's superseded snapshots (see the module comment) and returns their keys. Lists
 * `snapshots/<fileId>/` first and then reads the head (consistent), so a snapshot written after the
 * listing is not seen, and one the head reaches after it is above the `contentVersion` read before.
 * Idempotent: a deleted key is no longer listed (in a versioned bucket its delete marker hides it).
 */
export async function collectSnapshots(fileId: string): Promise<string[]> {
  const Bucket = contentBucket();
  const Prefix = `snapshots/${fileId}/`;
  const listed: Array<{ key: string; version: number }> = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3().send(new ListObjectsV2Command({ Bucket, Prefix, ContinuationToken }));
    for (const o of page.Contents ?? []) {
      const rest = o.Key?.startsWith(Prefix) ? o.Key.slice(Prefix.length) : undefined;
      // Only what snapshotKey writes: ten digits, nothing deeper.
      if (rest !== undefined && /^[0-9]{10}$/.test(rest) && o.Key === snapshotKey(fileId, Number(rest))) listed.push({ key: o.Key, version: Number(rest) });
    }
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  if (listed.length <= SNAPSHOTS_KEPT) return [];

  const got = await dynamodb().send(new GetItemCommand({ TableName: filesTable(), Key: { pk: { S: `FILE#${fileId}` }, sk: { S: 'HEAD' } }, ConsistentRead: true }));
  const head = got.Item ? (unmarshall(got.Item) as Item) : undefined;
  // Inline content has no pointer: the content is the head's own version (as getFile reports it).
  const pointer = Number(head?.contentKey === undefined ? head?.version : head.contentVersion);
  // No head, or no version to measure against: leave everything.
  if (!head || !Number.isSafeInteger(pointer)) return [];
  const superseded = listed
    .filter((s) => s.version <= pointer)
    .sort((a, b) => b.version - a.version)
    .slice(SNAPSHOTS_KEPT)
    .filter((s) => s.key !== head.contentKey);
  for (const s of superseded) await s3().send(new DeleteObjectCommand({ Bucket, Key: s.key }));
  return superseded.map((s) => s.key);
}
