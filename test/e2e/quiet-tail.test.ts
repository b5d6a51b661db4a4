/**
 * A file that goes quiet with patches after its base (inline: the BODY item; S3-held text: a
 * snapshot) must not keep its last versions only in change records, which expire after 30 days. The
 * last commit's idempotency record expires a day after it (TTL): the snapshot handler then settles
 * the tail into the base (resolvers/handlers/snapshot/idle.ts). Time is simulated through the data:
 * the head's `updatedAt` set back, the records' `expiresAt` in the past, one TTL sweep.
 */
import { GetItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../infra/api.ts';
import { IDLE_MS } from '../../resolvers/handlers/snapshot/idle.ts';
import { download, hex, INSERT, MODIFY, newId, uploadBytes } from './content-client.ts';
import { startStack, type TestStack } from './harness.ts';
import { user, type SyncUser } from './sync-client.ts';

const FILE = `query($id: ID!) { getFile(id: $id) { version contentVersion contentUrl content sha256 } }`;
let stack: TestStack;
let alice: SyncUser;

beforeAll(async () => {
  stack = await startStack(api);
  alice = user(stack.runtime.graphqlUrl, await stack.tokenFor('alice@example.com'));
});
afterAll(async () => {
  await stack?.stop();
});

const table = () => stack.runtime.tableName('files');
const key = (id: string, sk: string) => ({ pk: { S: `FILE#${id}` }, sk: { S: sk } });

async function item(id: string, sk: string) {
  const r = await stack.runtime.dynamodb.client.send(new GetItemCommand({ TableName: table(), Key: key(id, sk), ConsistentRead: true }));
  return r.Item ? unmarshall(r.Item) : undefined;
}

/** Appends `n` patches to a file at version 1 holding `text`; S3-held text states the size. */
async function edit(id: string, text: string, n: number, s3Held: boolean): Promise<string> {
  for (let v = 1; v <= n; v++) {
    const next = `${text}+${v}`;
    const input: Record<string, unknown> = { id, baseVersion: v, patch: JSON.stringify({ v: 1, t: 'text', ops: [text.length, `+${v}`] }), sha256: hex(next), requestId: newId() };
    if (s3Held) input.size = Buffer.byteLength(next);
    const r = await alice.call(MODIFY, { input });
    expect(r.errors, `edit ${v}`).toBeUndefined();
    text = next;
  }
  return text;
}

/** What a day and a half of silence does: the head last written `quietMs` ago, every idempotency record expired, one TTL sweep. */
async function goQuiet(id: string, quietMs: number) {
  const db = stack.runtime.dynamodb.client;
  await db.send(
    new UpdateItemCommand({
      TableName: table(),
      Key: key(id, 'HEAD'),
      UpdateExpression: 'SET updatedAt = :t',
      ExpressionAttributeValues: { ':t': { S: new Date(Date.now() - quietMs).toISOString() } },
    }),
  );
  const reqs = await db.send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
      ExpressionAttributeValues: { ':pk': { S: `FILE#${id}` }, ':r': { S: 'REQ#' } },
      ConsistentRead: true,
    }),
  );
  expect(reqs.Items?.length).toBeGreaterThan(0);
  const past = String(Math.floor(Date.now() / 1000) - 60);
  for (const r of reqs.Items ?? []) {
    await db.send(new UpdateItemCommand({ TableName: table(), Key: { pk: r.pk!, sk: r.sk! }, UpdateExpression: 'SET expiresAt = :p', ExpressionAttributeValues: { ':p': { N: past } } }));
  }
  expect(await stack.runtime.sweepTtl()).toBeGreaterThanOrEqual(reqs.Items!.length);
  await stack.runtime.drainStreams();
}

describe('a quiet file keeps its last versions in its base, not only in the expiring log', () => {
  it('inline: the BODY moves up to the head once the file is quiet; a file still being written is left to its commits', async () => {
    const id = newId();
    expect((await alice.call(INSERT, { input: { id, name: 'q.txt', contentType: 'text/plain', content: 'q', sha256: hex('q'), requestId: newId() } })).errors).toBeUndefined();
    let text = await edit(id, 'q', 5, false);
    expect(await item(id, 'BODY')).toMatchObject({ version: 1 });

    // Written a moment ago: an expiring record settles nothing (a busy file's commits move its body).
    await goQuiet(id, 0);
    expect(await item(id, 'BODY')).toMatchObject({ version: 1 });

    // One more edit (its record expires in turn), then a day of silence.
    const next = `${text}!`;
    expect(
      (await alice.call(MODIFY, { input: { id, baseVersion: 6, patch: JSON.stringify({ v: 1, t: 'text', ops: [text.length, '!'] }), sha256: hex(next), requestId: newId() } })).errors,
    ).toBeUndefined();
    text = next;
    await goQuiet(id, IDLE_MS + 60_000);
    expect(await item(id, 'BODY')).toMatchObject({ version: 7, content: text, sha256: hex(text) });
    expect(await item(id, 'HEAD')).toMatchObject({ version: 7, bodyVersion: 7 });
    expect((await alice.call(FILE, { id })).data!.getFile).toMatchObject({ version: 7, content: text, sha256: hex(text) });
  });

  it('S3-held text: a snapshot at the head once the file is quiet', async () => {
    const id = newId();
    const start = 'snapshot me\n';
    const bytes = Buffer.from(start, 'utf8');
    const ins = await alice.call(INSERT, {
      input: { id, name: 'q.txt', contentType: 'text/plain', upload: { uploadId: await uploadBytes(alice, bytes, 'text/plain'), length: start.length }, sha256: hex(bytes), requestId: newId() },
    });
    expect(ins.errors).toBeUndefined();
    const text = await edit(id, start, 3, true);
    const before = await alice.call(FILE, { id });
    expect(before.data!.getFile, JSON.stringify(before)).toMatchObject({ version: 4, contentVersion: 1 });

    await goQuiet(id, IDLE_MS + 60_000);
    const file = (await alice.call(FILE, { id })).data!.getFile as { version: number; contentVersion: number; contentUrl: string; sha256: string };
    expect(file).toMatchObject({ version: 4, contentVersion: 4, sha256: hex(text) });
    expect((await download(file.contentUrl)).toString('utf8')).toBe(text);
  });
});
