import { createHash, randomUUID } from 'node:crypto';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyText, diffText } from '../client/patch/index.ts';
import { LEADER_GRACE_MS, QUEUED_MAX_AGE_MS } from './lib/limits.ts';
import type { QueuedEdit } from './lib/queue.ts';
import { startResolverHarness, type ResolverHarness } from './testing/harness.ts';

/**
 * The head's queue (lib/queue.ts, resolvers/README.md "The hot path"), against the real resolvers and
 * DynamoDB Local: racing writers all commit, and a queue left behind by a writer that died (put on
 * the head here exactly as the append writes it) is committed or dropped by the next writer, never
 * lost or applied twice.
 */
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
let h: ResolverHarness;
const A = 'alice-sub';
const B = 'bob-sub';

beforeAll(async () => {
  h = await startResolverHarness();
});
afterAll(async () => {
  await h?.stop();
});

interface Change {
  version: number;
  patch: string | null;
  content: string | null;
  sha256: string;
  requestId: string;
}

async function insert(content: string) {
  const r = await h.run('Mutation.insertFile', A, { input: { name: 'q.txt', contentType: 'text/plain', content, sha256: sha(content), requestId: randomUUID() } });
  expect(r.errors).toEqual([]);
  const id = (r.data as { fileId: string }).fileId;
  expect((await h.run('Mutation.shareFile', A, { input: { fileId: id, userId: B, role: 'EDITOR' } })).errors).toEqual([]);
  return id;
}

function modify(sub: string, id: string, baseVersion: number, from: string, to: string, requestId: string = randomUUID()) {
  return h.run('Mutation.modifyFile', sub, { input: { id, baseVersion, patch: diffText(from, to), sha256: sha(to), requestId } });
}

/** As the SDK does: Busy is retried with the same request, after a short pause. */
async function modifyUntilAnswered(sub: string, id: string, baseVersion: number, from: string, to: string) {
  const requestId = randomUUID();
  for (let attempt = 1; ; attempt += 1) {
    const r = await modify(sub, id, baseVersion, from, to, requestId);
    if (attempt === 10 || r.errors.length === 0 || (r.errors[0] as { errorType?: string }).errorType !== 'Busy') return r;
    await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
  }
}

async function head(id: string) {
  const r = await h.run('Query.getFile', A, { id });
  expect(r.errors).toEqual([]);
  return r.data as { version: number; content: string; sha256: string };
}

/** Every change from version 1: contiguous, each sha256 the SHA-256 of what it produces; the text at the end. */
async function replay(id: string): Promise<{ text: string; changes: Change[] }> {
  const r = await h.run('Query.getFileChanges', A, { fileId: id, sinceVersion: 0, limit: 100 });
  expect(r.errors).toEqual([]);
  const changes = (r.data as { items: Change[] }).items;
  let text = '';
  changes.forEach((c, i) => {
    expect(c.version).toBe(i + 1);
    text = c.patch ? applyText(JSON.parse(c.patch), text) : (c.content ?? '');
    expect(c.sha256).toBe(sha(text));
  });
  return { text, changes };
}

/** Puts an edit on the head's queue as the append does, as if its writer died right after. */
async function queueDirectly(id: string, edit: QueuedEdit) {
  await h.dynamo.client.send(
    new UpdateItemCommand({
      TableName: 'files',
      Key: marshall({ pk: `FILE#${id}`, sk: 'HEAD' }),
      UpdateExpression: 'SET #p = list_append(if_not_exists(#p, :e), :edit), #ids = list_append(if_not_exists(#ids, :e), :rid)',
      ExpressionAttributeNames: { '#p': 'pending', '#ids': 'pendingIds' },
      ExpressionAttributeValues: marshall({ ':edit': [edit], ':rid': [edit.rid], ':e': [] }, { removeUndefinedValues: true }),
    }),
  );
}

/** A queued edit as its writer left it when it died a moment ago (longer than the leader's grace, so the next writer commits it). */
function edit(at: number, from: string, to: string, fields: Partial<QueuedEdit> = {}): QueuedEdit {
  return { rid: randomUUID(), at, ops: JSON.stringify(diffText(from, to).ops), author: B, t: Date.now() - LEADER_GRACE_MS - 100, fp: `${at}:${sha(to)}`, acl: 1, ...fields };
}

async function aclVersion(id: string): Promise<number> {
  const out = await h.dynamo.client.send(
    new UpdateItemCommand({
      TableName: 'files',
      Key: marshall({ pk: `FILE#${id}`, sk: 'HEAD' }),
      UpdateExpression: 'SET #a = #a',
      ExpressionAttributeNames: { '#a': 'aclVersion' },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return Number(out.Attributes!.aclVersion!.N);
}

describe('the head queue: many writers on one head', () => {
  it('16 pipelines racing at one base, 3 rounds: every edit commits (Busy retried with the same request), none answers Conflict, each exactly once', async () => {
    const id = await insert('');
    const tokens: string[] = [];
    for (let round = 0; round < 3; round += 1) {
      const at = await head(id);
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) => {
          const token = `<${round}.${i}>`;
          tokens.push(token);
          return modifyUntilAnswered(i % 2 ? A : B, id, at.version, at.content, at.content + token);
        }),
      );
      for (const r of results) expect(r.errors).toEqual([]);
    }
    const { text, changes } = await replay(id);
    expect(changes.length).toBe(1 + tokens.length);
    for (const t of tokens) expect(text.split(t).length).toBe(2);
    expect((await head(id)).content).toBe(text);
  });

  it('a writer that died after queuing: the next commit takes its edit too, and the retry of that request returns the change, not a second one', async () => {
    const id = await insert('abc');
    const dead = edit(1, 'abc', 'abcX');
    await queueDirectly(id, { ...dead, acl: await aclVersion(id) });
    const r = await modify(A, id, 1, 'abc', 'Yabc');
    expect(r.errors).toEqual([]);
    expect((r.data as Change).version).toBe(3);
    expect((await head(id)).content).toBe('YabcX');
    const retry = await h.run('Mutation.modifyFile', B, { input: { id, baseVersion: 1, patch: diffText('abc', 'abcX'), sha256: sha('abcX'), requestId: dead.rid } });
    expect(retry.errors).toEqual([]);
    expect(retry.data).toMatchObject({ version: 2, requestId: dead.rid });
    const { changes } = await replay(id);
    expect(changes.map((c) => c.requestId)).toEqual([expect.any(String), dead.rid, (r.data as Change).requestId]);
  });

  it('an edit queued behind one whose writer is still at work waits for it (Busy, nothing committed); retried after the grace, it commits both in order', async () => {
    const id = await insert('ab');
    const young = { ...edit(1, 'ab', 'abZ'), t: Date.now(), acl: await aclVersion(id) };
    await queueDirectly(id, young);
    const rid = randomUUID();
    const first = await modify(A, id, 1, 'ab', 'Wab', rid);
    expect(first.errors[0]).toMatchObject({ errorType: 'Busy' });
    expect((await head(id)).version).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, LEADER_GRACE_MS + 200));
    const again = await modify(A, id, 1, 'ab', 'Wab', rid);
    expect(again.errors).toEqual([]);
    expect(again.data).toMatchObject({ version: 3, requestId: rid });
    const { text, changes } = await replay(id);
    expect(text).toBe('WabZ');
    expect(changes.map((c) => c.requestId).slice(1)).toEqual([young.rid, rid]);
  });

  it('queued edits that no longer apply, were queued before the members changed, or were given up long ago are dropped, never committed; a given-up one lands once when retried', async () => {
    const id = await insert('hello');
    const acl = await aclVersion(id);
    const misfit: QueuedEdit = { ...edit(1, 'hello', 'hello!'), ops: JSON.stringify([9, '!']), acl };
    const oldMembers = { ...edit(1, 'hello', 'hello?'), acl: acl - 1 };
    const givenUp = { ...edit(1, 'hello', 'hello.'), acl, t: Date.now() - QUEUED_MAX_AGE_MS - 1000 };
    for (const e of [misfit, oldMembers, givenUp]) await queueDirectly(id, e);
    const r = await modify(A, id, 1, 'hello', '>hello');
    expect(r.errors).toEqual([]);
    expect((r.data as Change).version).toBe(2);
    expect((await head(id)).content).toBe('>hello');
    const retry = await h.run('Mutation.modifyFile', B, { input: { id, baseVersion: 1, patch: diffText('hello', 'hello.'), sha256: sha('hello.'), requestId: givenUp.rid } });
    expect(retry.errors).toEqual([]);
    expect((await head(id)).content).toBe('>hello.');
    const { changes } = await replay(id);
    expect(changes.map((c) => c.requestId).filter((rid) => rid === misfit.rid || rid === oldMembers.rid)).toEqual([]);
    expect(changes.filter((c) => c.requestId === givenUp.rid)).toHaveLength(1);
  });

  it('whole content commits ahead of a waiting queue; the edits queued before it are dropped (their writers get Conflict STALE_BASE naming the new head), never moved over it', async () => {
    const id = await insert('draft');
    const acl = await aclVersion(id);
    // A writer still at work queued an edit (within the leader's grace: nobody else commits it yet).
    const waiting = { ...edit(1, 'draft', 'draft!'), t: Date.now(), acl };
    await queueDirectly(id, waiting);
    const whole = 'a new text';
    const r = await h.run('Mutation.modifyFile', A, { input: { id, baseVersion: 1, content: whole, sha256: sha(whole), requestId: randomUUID() } });
    expect(r.errors).toEqual([]);
    expect(r.data).toMatchObject({ version: 2 });
    // The queued edit's writer asks again (Busy-retry, same request): dropped, nothing of it committed.
    const retry = await h.run('Mutation.modifyFile', B, { input: { id, baseVersion: 1, patch: diffText('draft', 'draft!'), sha256: sha('draft!'), requestId: waiting.rid } });
    expect(retry.errors[0]).toMatchObject({ errorType: 'Conflict', errorInfo: { fileId: id, reason: 'STALE_BASE', headVersion: 2 } });
    // An edit made on the new content goes in at once.
    const next = await modifyUntilAnswered(B, id, 2, whole, `${whole}!`);
    expect(next.errors).toEqual([]);
    const { text, changes } = await replay(id);
    expect(text).toBe('a new text!');
    expect(changes.map((c) => c.requestId)).not.toContain(waiting.rid);
  });

  it('a request that committed, retried while others wait in the queue: its copy is found committed and dropped, and the retry returns the original change', async () => {
    const id = await insert('one');
    const first = randomUUID();
    const done = await modify(A, id, 1, 'one', 'one two', first);
    expect(done.errors).toEqual([]);
    await queueDirectly(id, { ...edit(2, 'one two', 'one two three'), acl: await aclVersion(id) });
    const again = await modify(A, id, 1, 'one', 'one two', first);
    expect(again.errors).toEqual([]);
    expect(again.data).toMatchObject({ version: 2, requestId: first });
    const { text, changes } = await replay(id);
    expect(changes.filter((c) => c.requestId === first)).toHaveLength(1);
    expect(text).toBe('one two three');
  });
});
