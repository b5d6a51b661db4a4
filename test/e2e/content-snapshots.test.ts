/**
 * Snapshots of S3-held text, against the real runtime: the snapshot handler runs from DynamoDB
 * Local's stream. A 1 MB text file edited 300 times by patches: getFile (+ the changes after its
 * contentVersion) gives the right content, a reader catching up from version 1 gets a snapshot and
 * applies no more patches than the bound, and snapshot objects are written once. Superseded
 * snapshots are collected: the newest two of a file stay, older ones are deleted, nothing else is.
 */
import { DescribeTableCommand, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record } from '@aws-sdk/client-dynamodb-streams';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../infra/api.ts';
import { applyText } from '../../client/patch/index.ts';
import { SNAPSHOT_EVERY, TAIL_PATCHES } from '../../resolvers/lib/limits.ts';
import { collectSnapshots, handler as snapshotHandler, maybeSnapshot, SNAPSHOTS_KEPT } from '../../resolvers/handlers/snapshot/handler.ts';
import { startStack, type TestStack } from './harness.ts';
import { user, type SyncUser } from './sync-client.ts';
import { download, GET, hex, INSERT, MODIFY, newId, uploadBytes } from './content-client.ts';

const CHANGES = `query($fileId: ID!, $sinceVersion: Int!, $nextToken: String) { getFileChanges(fileId: $fileId, sinceVersion: $sinceVersion, nextToken: $nextToken) {
  snapshot { version sha256 content contentUrl } items { version patch sha256 size length } nextToken headVersion } }`;
const FILE = `query($id: ID!) { getFile(id: $id) { version contentVersion contentUrl content sha256 size length } }`;

let stack: TestStack;
let alice: SyncUser;
let s3: S3Client;

beforeAll(async () => {
  stack = await startStack(api);
  alice = user(stack.runtime.graphqlUrl, await stack.tokenFor('alice@example.com'));
  s3 = new S3Client({ endpoint: stack.runtime.s3!.endpoint, region: 'us-east-1', credentials: stack.runtime.s3!.credentials, forcePathStyle: true });
});
afterAll(async () => {
  s3?.destroy();
  await stack?.stop();
});

interface Page {
  snapshot: { version: number; sha256: string; content: string | null; contentUrl: string | null } | null;
  items: Array<{ version: number; patch: string | null; sha256: string }>;
  nextToken: string | null;
  headVersion: number;
}

/** A reader at `since` with `local`: follows every page, returns the content and how many patches it applied. */
async function catchUp(fileId: string, since: number, local: string): Promise<{ text: string; patches: number; snapshot: boolean }> {
  let text = local;
  let patches = 0;
  let snapshot = false;
  let nextToken: string | null = null;
  do {
    const body = await alice.call(CHANGES, { fileId, sinceVersion: since, nextToken });
    expect(body.errors).toBeUndefined();
    const page = body.data!.getFileChanges as Page;
    if (page.snapshot) {
      snapshot = true;
      text = page.snapshot.content ?? (await download(page.snapshot.contentUrl!)).toString('utf8');
      expect(hex(text)).toBe(page.snapshot.sha256);
    }
    for (const c of page.items) {
      text = applyText(JSON.parse(c.patch!), text);
      patches++;
      expect(hex(text)).toBe(c.sha256);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return { text, patches, snapshot };
}

describe('snapshots of S3-held text', () => {
  it('a 1 MB file edited 300 times: getFile is right, a reader from version 1 applies at most the bound, snapshots are written once', { timeout: 240_000 }, async () => {
    const line = (i: number) => `${String(i).padStart(6, '0')} the quick brown fox jumps over the lazy dog — ünïcödé 😀\n`;
    let text = Array.from({ length: 14_000 }, (_, i) => line(i)).join('');
    expect(Buffer.byteLength(text)).toBeGreaterThan(1_000_000);
    const v1 = text;
    const id = newId();
    const bytes = Buffer.from(text, 'utf8');
    const inserted = await alice.call(INSERT, {
      input: {
        id,
        name: 'big.txt',
        contentType: 'text/plain; charset=utf-8',
        upload: { uploadId: await uploadBytes(alice, bytes, 'text/plain; charset=utf-8'), length: text.length },
        sha256: hex(bytes),
        requestId: newId(),
      },
    });
    expect(inserted.errors).toBeUndefined();

    for (let v = 1; v <= 300; v++) {
      const at = (v * 7919) % text.length;
      const safe = at > 0 && text.charCodeAt(at - 1) >= 0xd800 && text.charCodeAt(at - 1) <= 0xdbff ? at + 1 : at;
      const insert = `[edit ${v}]`;
      const patch = { v: 1, t: 'text', ops: [safe, insert, text.length - safe] };
      text = text.slice(0, safe) + insert + text.slice(safe);
      const body = await alice.call(MODIFY, { input: { id, baseVersion: v, patch: JSON.stringify(patch), sha256: hex(text), size: Buffer.byteLength(text), requestId: newId() } });
      expect(body.errors, `edit ${v}`).toBeUndefined();
    }
    await stack.runtime.drainStreams();

    // getFile: the snapshot it names plus the few changes after it.
    const file = (await alice.call(FILE, { id })).data!.getFile as { version: number; contentVersion: number; contentUrl: string; size: number; length: number; sha256: string };
    expect(file).toMatchObject({ version: 301, size: Buffer.byteLength(text), length: text.length, sha256: hex(text) });
    expect(file.version - file.contentVersion).toBeLessThan(SNAPSHOT_EVERY);
    const base = (await download(file.contentUrl)).toString('utf8');
    const fromFile = await catchUp(id, file.contentVersion, base);
    expect(fromFile.text === text).toBe(true);

    // A reader at version 1 gets a snapshot and at most the bound of patches.
    const reader = await catchUp(id, 1, v1);
    expect(reader.snapshot).toBe(true);
    expect(reader.patches).toBeLessThanOrEqual(SNAPSHOT_EVERY);
    expect(reader.text === text).toBe(true);

    // Snapshots: the newest two of the several written remain (the older ones are collected), each
    // under its own version key, the head's among them, each holding what its metadata says.
    const Bucket = stack.runtime.s3!.bucketName('content');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: `snapshots/${id}/` }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    expect(keys).toHaveLength(SNAPSHOTS_KEPT);
    expect(keys).toContain(`snapshots/${id}/${String(file.contentVersion).padStart(10, '0')}`);
    for (const Key of keys) {
      const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
      expect(hex(Buffer.from(await got.Body!.transformToByteArray()))).toBe(got.Metadata?.sha256);
    }
    // ... and none can be replaced: a conditional write onto one is refused, its bytes unchanged.
    const Key = keys[0]!;
    const before = await s3.send(new GetObjectCommand({ Bucket, Key }));
    const put = await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'overwrite', IfNoneMatch: '*' })).then(
      () => 200,
      (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode,
    );
    expect(put).toBe(412);
    const after = await s3.send(new GetObjectCommand({ Bucket, Key }));
    expect(after.ETag).toBe(before.ETag);
    await before.Body!.transformToByteArray();
    await after.Body!.transformToByteArray();
  });

  it('a snapshot key is never written twice: a redone snapshot leaves the object as it is, and other content at the key is neither replaced nor pointed to', { timeout: 120_000 }, async () => {
    let text = `${'never overwritten\n'.repeat(2_500)}`;
    const v1 = text;
    const id = newId();
    const bytes = Buffer.from(text, 'utf8');
    const inserted = await alice.call(INSERT, {
      input: { id, name: 'once.txt', contentType: 'text/plain', upload: { uploadId: await uploadBytes(alice, bytes, 'text/plain'), length: text.length }, sha256: hex(bytes), requestId: newId() },
    });
    expect(inserted.errors).toBeUndefined();
    let version = 1;
    const edit = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const insert = `[v${version + 1}]`;
        const next = insert + text;
        const body = await alice.call(MODIFY, {
          input: { id, baseVersion: version, patch: JSON.stringify({ v: 1, t: 'text', ops: [insert, text.length] }), sha256: hex(next), size: Buffer.byteLength(next), requestId: newId() },
        });
        expect(body.errors).toBeUndefined();
        text = next;
        version++;
      }
      await stack.runtime.drainStreams();
    };
    const Bucket = stack.runtime.s3!.bucketName('content');
    const keyOf = (v: number) => `snapshots/${id}/${String(v).padStart(10, '0')}`;
    const headKey = { pk: { S: `FILE#${id}` }, sk: { S: 'HEAD' } };
    const TableName = stack.runtime.tableName('files');
    const upload = (await stack.runtime.dynamodb.client.send(new GetItemCommand({ TableName, Key: headKey, ConsistentRead: true }))).Item!;

    await edit(SNAPSHOT_EVERY);
    const first = keyOf(1 + SNAPSHOT_EVERY);
    const written = await s3.send(new HeadObjectCommand({ Bucket, Key: first }));
    expect((await alice.call(FILE, { id })).data!.getFile).toMatchObject({ version, contentVersion: version });

    // As if the pointer update had been lost: point the head back at the upload and run the handler again.
    // It rebuilds the same version, finds the object there, leaves it untouched and points at it.
    await stack.runtime.dynamodb.client.send(
      new UpdateItemCommand({
        TableName,
        Key: headKey,
        UpdateExpression: 'SET contentKey = :k, contentVersion = :v, contentSha256 = :s',
        ExpressionAttributeValues: { ':k': upload.contentKey!, ':v': upload.contentVersion!, ':s': upload.contentSha256! },
      }),
    );
    // The runtime hands stream handlers their environment through this process's env, as it did for the runs above.
    expect(await maybeSnapshot(id)).toBe(first);
    const again = await s3.send(new HeadObjectCommand({ Bucket, Key: first }));
    expect({ etag: again.ETag, modified: again.LastModified?.getTime() }).toEqual({ etag: written.ETag, modified: written.LastModified?.getTime() });
    expect((await alice.call(FILE, { id })).data!.getFile).toMatchObject({ contentVersion: version });

    // Something else already under the next snapshot's key: it stays as it is, and the pointer does not move to it.
    const second = keyOf(1 + 2 * SNAPSHOT_EVERY);
    await s3.send(new PutObjectCommand({ Bucket, Key: second, Body: 'not a snapshot' }));
    await edit(SNAPSHOT_EVERY);
    await expect(maybeSnapshot(id)).rejects.toThrow(/already holds other content/);
    const kept = await s3.send(new GetObjectCommand({ Bucket, Key: second }));
    expect(await kept.Body!.transformToString()).toBe('not a snapshot');
    const file = (await alice.call(FILE, { id })).data!.getFile as { version: number; contentVersion: number; contentUrl: string };
    expect(file).toMatchObject({ version, contentVersion: 1 + SNAPSHOT_EVERY });
    // Readers are still right, from the older snapshot plus the log (the bound slips until a later snapshot).
    const fromFile = await catchUp(id, file.contentVersion, (await download(file.contentUrl)).toString('utf8'));
    expect(fromFile.text === text).toBe(true);
    expect((await catchUp(id, 1, v1)).text === text).toBe(true);
  });

  it('superseded snapshots are collected: the newest two of the file stay, the current one intact; other files, other keys and a retried batch are left alone', { timeout: 240_000 }, async () => {
    const Bucket = stack.runtime.s3!.bucketName('content');
    const TableName = stack.runtime.tableName('files');
    const listKeys = async (fileId: string) => ((await s3.send(new ListObjectsV2Command({ Bucket, Prefix: `snapshots/${fileId}/` }))).Contents ?? []).map((o) => o.Key!).sort();
    const keyOf = (fileId: string, v: number) => `snapshots/${fileId}/${String(v).padStart(10, '0')}`;

    const newFile = async (name: string) => {
      const state = { id: newId(), text: `${name}: collected\n`.repeat(2_500), version: 1, v1: '' };
      state.v1 = state.text;
      const bytes = Buffer.from(state.text, 'utf8');
      const inserted = await alice.call(INSERT, {
        input: {
          id: state.id,
          name,
          contentType: 'text/plain',
          upload: { uploadId: await uploadBytes(alice, bytes, 'text/plain'), length: state.text.length },
          sha256: hex(bytes),
          requestId: newId(),
        },
      });
      expect(inserted.errors).toBeUndefined();
      return state;
    };
    const edit = async (f: { id: string; text: string; version: number }, count: number) => {
      for (let i = 0; i < count; i++) {
        const insert = `[v${f.version + 1}]`;
        const next = insert + f.text;
        const body = await alice.call(MODIFY, {
          input: { id: f.id, baseVersion: f.version, patch: JSON.stringify({ v: 1, t: 'text', ops: [insert, f.text.length] }), sha256: hex(next), size: Buffer.byteLength(next), requestId: newId() },
        });
        expect(body.errors).toBeUndefined();
        f.text = next;
        f.version++;
      }
      await stack.runtime.drainStreams();
    };
    // Rounds of SNAPSHOT_EVERY edits, drained between: one snapshot per round, at 1 + n × SNAPSHOT_EVERY.
    const rounds = async (file: { id: string; text: string; version: number }, n: number) => {
      for (let i = 0; i < n; i++) await edit(file, SNAPSHOT_EVERY);
    };

    // Another file with two snapshots, and an object under the collected file's prefix that is no snapshot.
    const other = await newFile('other.txt');
    await rounds(other, 2);
    const otherKeys = await listKeys(other.id);
    expect(otherKeys).toEqual([keyOf(other.id, 1 + SNAPSHOT_EVERY), keyOf(other.id, 1 + 2 * SNAPSHOT_EVERY)]);
    const otherEtags = await Promise.all(otherKeys.map(async (Key) => (await s3.send(new HeadObjectCommand({ Bucket, Key }))).ETag));

    const f = await newFile('collected.txt');
    const notes = `snapshots/${f.id}/notes.txt`;
    await s3.send(new PutObjectCommand({ Bucket, Key: notes, Body: 'not a snapshot key' }));
    await rounds(f, 3);
    // Three snapshots written: the oldest is gone, the newest two stay.
    const s = (n: number) => keyOf(f.id, 1 + n * SNAPSHOT_EVERY);
    expect(await listKeys(f.id)).toEqual([s(2), s(3), notes].sort());

    // A reader far behind now holds a URL of the current snapshot (3) ...
    const held = (await alice.call(CHANGES, { fileId: f.id, sinceVersion: 1, nextToken: null })).data!.getFileChanges as Page;
    expect(held.snapshot).toMatchObject({ version: 1 + 3 * SNAPSHOT_EVERY });
    const heldText = `[v${f.version}]`;

    // ... while the pointer moves on: snapshot 4 is written, snapshot 2 collected, 3 kept for that reader.
    await rounds(f, 1);
    expect(await listKeys(f.id)).toEqual([s(3), s(4), notes].sort());
    expect((await download(held.snapshot!.contentUrl!)).toString('utf8').startsWith(heldText)).toBe(true);

    // The current snapshot is intact and readers get the right content.
    const current = await s3.send(new GetObjectCommand({ Bucket, Key: s(4) }));
    expect(hex(Buffer.from(await current.Body!.transformToByteArray()))).toBe(current.Metadata?.sha256);
    await edit(f, 3);
    const file = (await alice.call(FILE, { id: f.id })).data!.getFile as { version: number; contentVersion: number; contentUrl: string; sha256: string };
    expect(file).toMatchObject({ version: f.version, contentVersion: 1 + 4 * SNAPSHOT_EVERY, sha256: hex(f.text) });
    expect((await catchUp(f.id, file.contentVersion, (await download(file.contentUrl)).toString('utf8'))).text === f.text).toBe(true);
    const reader = await catchUp(f.id, 1, f.v1);
    expect(reader.snapshot).toBe(true);
    expect(reader.text === f.text).toBe(true);

    // A snapshot-shaped key above the head's pointer (as a snapshot whose pointer move is still to come) is kept.
    const ahead = keyOf(f.id, f.version + 1_000);
    await s3.send(new PutObjectCommand({ Bucket, Key: ahead, Body: 'ahead' }));

    // The stream redelivers every record of this file it has handed over (inserts, pointer moves): nothing more is deleted.
    const records = (await streamRecords(TableName)).filter((r) => r.dynamodb?.Keys?.pk?.S === `FILE#${f.id}`);
    const moves = records.filter((r) => r.eventName === 'MODIFY' && r.dynamodb?.Keys?.sk?.S === 'HEAD' && r.dynamodb.OldImage?.contentKey?.S !== r.dynamodb.NewImage?.contentKey?.S);
    expect(moves.map((r) => r.dynamodb!.NewImage!.contentKey!.S)).toEqual([s(1), s(2), s(3), s(4)]);
    const retried = await snapshotHandler({ Records: records as NonNullable<Parameters<typeof snapshotHandler>[0]['Records']> });
    expect(retried).toEqual({ snapshots: [], deleted: [], bodies: [], batchItemFailures: [] });
    expect(await collectSnapshots(f.id)).toEqual([]);
    expect(await listKeys(f.id)).toEqual([s(3), s(4), notes, ahead].sort());

    // The other file's snapshots are as they were.
    expect(await listKeys(other.id)).toEqual(otherKeys);
    expect(await Promise.all(otherKeys.map(async (Key) => (await s3.send(new HeadObjectCommand({ Bucket, Key }))).ETag))).toEqual(otherEtags);
  });

  /** Every record of the table's stream so far, shard by shard from the oldest, as the stream trigger reads them. */
  async function streamRecords(TableName: string): Promise<_Record[]> {
    const streams = new DynamoDBStreamsClient({ region: 'local', endpoint: stack.runtime.dynamodb.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      const StreamArn = (await stack.runtime.dynamodb.client.send(new DescribeTableCommand({ TableName }))).Table!.LatestStreamArn!;
      const out: _Record[] = [];
      for (const shard of (await streams.send(new DescribeStreamCommand({ StreamArn }))).StreamDescription?.Shards ?? []) {
        let ShardIterator = (await streams.send(new GetShardIteratorCommand({ StreamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
        while (ShardIterator) {
          const page = await streams.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
          if (!page.Records?.length) break;
          out.push(...page.Records);
          ShardIterator = page.NextShardIterator;
        }
      }
      return out;
    } finally {
      streams.destroy();
    }
  }

  it("a reader far behind an inline file gets the file's body as its snapshot, then the patches after it", async () => {
    const id = newId();
    let text = 'v1';
    expect((await alice.call(INSERT, { input: { id, name: 's.txt', contentType: 'text/plain', content: text, sha256: hex(text), requestId: newId() } })).errors).toBeUndefined();
    for (let v = 1; v <= SNAPSHOT_EVERY + 5; v++) {
      const next = `${text}+`;
      const body = await alice.call(MODIFY, { input: { id, baseVersion: v, patch: JSON.stringify({ v: 1, t: 'text', ops: [text.length, '+'] }), sha256: hex(next), requestId: newId() } });
      expect(body.errors).toBeUndefined();
      text = next;
    }
    // The body was last rewritten TAIL_PATCHES versions after the insert's (resolvers/README.md).
    const reader = await catchUp(id, 1, 'v1');
    expect(reader).toEqual({ text, patches: SNAPSHOT_EVERY + 6 - (1 + TAIL_PATCHES), snapshot: true });
    expect((await catchUp(id, 50, text.slice(0, text.length - 6))).patches).toBe(6);
    expect((await alice.call(GET, { id })).data!.getFile).toMatchObject({ content: text });
  });
});
