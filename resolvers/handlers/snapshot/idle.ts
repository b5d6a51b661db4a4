/**
 * Settling a file's tail when nobody writes any more. Content is kept as a base (the BODY item for
 * inline content, a snapshot object for S3-held text) plus the log's patches after it, and commits move
 * the base forward only every TAIL_PATCHES / SNAPSHOT_EVERY patches. Change records expire after
 * CHANGE_RETENTION_SECONDS (30 days), so a tail left behind by a file that went quiet would expire
 * with the only copy of its last versions. Nothing writes to a quiet file, but its last commit's
 * idempotency record expires (TTL) a day later: that REMOVE on the stream is the trigger. The tail is
 * then settled into the base when the file has been quiet for IDLE_MS, or when its oldest patch is
 * older than OLD_TAIL_MS (a file edited a little every day) — never on every expiry of a busy file.
 */
import { createHash } from 'node:crypto';
import { GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { applyText } from '../../../client/patch/index.ts';
import { dynamodb, filesTable } from './dynamodb.ts';

type Item = Record<string, NativeAttributeValue>;

/** Quiet for this long: settle the tail (well under a day, so the last commit's record expiring finds it quiet). */
export const IDLE_MS = 12 * 3600 * 1000;
/** A tail whose oldest patch is this old is settled even while the file is written (well under the 30 days the log is kept). */
export const OLD_TAIL_MS = 7 * 24 * 3600 * 1000;

/** Whether a file's tail is due: something after the base, and quiet or old. */
export function tailDue(head: Item, oldestPatchAt: string | undefined, now: number): boolean {
  const quietFor = now - Date.parse(String(head.updatedAt));
  const age = oldestPatchAt === undefined ? 0 : now - Date.parse(oldestPatchAt);
  return quietFor >= IDLE_MS || age >= OLD_TAIL_MS;
}

/**
 * Moves an inline file's BODY up to its head when its tail is due (see the module comment), checked
 * against the SHA-256 the head's commit computed. Returns the version written, or undefined. A
 * concurrent commit that rewrote the body first wins: the put is conditioned on the body being older.
 */
export async function settleBody(fileId: string, now = Date.now()): Promise<number | undefined> {
  const TableName = filesTable();
  const key = (sk: string) => ({ pk: { S: `FILE#${fileId}` }, sk: { S: sk } });
  const [h, b] = await Promise.all([
    dynamodb().send(new GetItemCommand({ TableName, Key: key('HEAD'), ConsistentRead: true })),
    dynamodb().send(new GetItemCommand({ TableName, Key: key('BODY'), ConsistentRead: true })),
  ]);
  const head = h.Item ? (unmarshall(h.Item) as Item) : undefined;
  const body = b.Item ? (unmarshall(b.Item) as Item) : undefined;
  if (!head || head.deleted || head.contentKey || !body) return undefined;
  const from = Number(body.version);
  const to = Number(head.version);
  if (!(to > from)) return undefined;
  const log = await changes(TableName, fileId, from + 1, to);
  if (!tailDue(head, log[0]?.at as string | undefined, now)) return undefined;
  if (log.length !== to - from || log.some((c, i) => Number(c.version) !== from + 1 + i || typeof c.patch !== 'string')) {
    throw new Error(`file ${fileId}: the log after its body (v${from}) does not run to v${to}; left as is`);
  }
  let text = String(body.content);
  for (const c of log) text = applyText(JSON.parse(c.patch as string), text);
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  if (sha256 !== head.sha256) throw new Error(`file ${fileId} v${to}: the body and its tail give SHA-256 ${sha256}, the head says ${String(head.sha256)}; left as is`);
  try {
    await dynamodb().send(
      new PutItemCommand({
        TableName,
        Item: { ...key('BODY'), content: { S: text }, version: { N: String(to) }, sha256: { S: sha256 } },
        ConditionExpression: 'version < :to',
        ExpressionAttributeValues: { ':to': { N: String(to) } },
      }),
    );
    await dynamodb().send(
      new UpdateItemCommand({
        TableName,
        Key: key('HEAD'),
        UpdateExpression: 'SET bodyVersion = :to',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(bodyVersion) OR bodyVersion < :to)',
        ExpressionAttributeValues: { ':to': { N: String(to) } },
      }),
    );
  } catch (e) {
    if ((e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
    return undefined;
  }
  return to;
}

/** The change records `from … to` of a file, every page. */
export async function changes(TableName: string, fileId: string, from: number, to: number): Promise<Item[]> {
  const out: Item[] = [];
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb().send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': { S: `FILE#${fileId}` }, ':from': { S: versionSk(from) }, ':to': { S: versionSk(to) } },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    for (const i of page.Items ?? []) out.push(unmarshall(i) as Item);
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return out;
}

const versionSk = (v: number) => `V#${String(v).padStart(10, '0')}`;
