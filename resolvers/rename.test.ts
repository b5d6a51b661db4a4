/** renameFile through the bundled resolvers against DynamoDB Local (resolvers/Mutation.renameFile). */
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyText, diffText } from '../client/patch/index.ts';
import { startResolverHarness, type ResolverHarness } from './testing/harness.ts';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
let h: ResolverHarness;

beforeAll(async () => {
  h = await startResolverHarness();
});
afterAll(async () => {
  await h?.stop();
});

const OWNER = 'owner-sub';
const EDITOR = 'editor-sub';
const VIEWER = 'viewer-sub';

interface Change {
  version: number;
  op: string;
  name: string;
  patch: string | null;
  content: string | null;
  sha256: string;
  requestId: string;
}

async function insert(input: Record<string, unknown>): Promise<string> {
  const r = await h.run('Mutation.insertFile', OWNER, { input: { contentType: 'text/plain', requestId: randomUUID(), ...input } });
  expect(r.errors).toEqual([]);
  const id = (r.data as { fileId: string }).fileId;
  for (const [userId, role] of [
    [EDITOR, 'EDITOR'],
    [VIEWER, 'VIEWER'],
  ])
    expect((await h.run('Mutation.shareFile', OWNER, { input: { fileId: id, userId, role } })).errors).toEqual([]);
  return id;
}

const rename = (sub: string, id: string, name: string, extra: Record<string, unknown> = {}) => h.run('Mutation.renameFile', sub, { input: { id, name, ...extra } });

async function getFile(id: string) {
  const r = await h.run('Query.getFile', OWNER, { id });
  expect(r.errors).toEqual([]);
  return r.data as { name: string; version: number; content: string; sha256: string };
}

async function changes(id: string): Promise<Change[]> {
  const r = await h.run('Query.getFileChanges', OWNER, { fileId: id, sinceVersion: 0, limit: 100 });
  expect(r.errors).toEqual([]);
  return (r.data as { items: Change[] }).items;
}

describe('renameFile', () => {
  it('an editor renames a text file: the next version, same content, an identity patch; id, members and history stay; a stale edit moves over it', async () => {
    const id = await insert({ name: 'draft.txt', content: 'hello', sha256: sha('hello') });
    expect((await h.run('Mutation.modifyFile', OWNER, { input: { id, baseVersion: 1, patch: diffText('hello', 'hello world'), sha256: sha('hello world'), requestId: randomUUID() } })).errors).toEqual(
      [],
    );
    const r = await rename(EDITOR, id, 'notes/final.txt');
    expect(r.errors).toEqual([]);
    expect(r.data).toMatchObject({ fileId: id, version: 3, op: 'MODIFY', name: 'notes/final.txt', sha256: sha('hello world'), author: EDITOR });
    expect(JSON.parse((r.data as Change).patch!)).toEqual({ v: 1, t: 'text', ops: [11] });
    expect(await getFile(id)).toMatchObject({ name: 'notes/final.txt', version: 3, content: 'hello world', sha256: sha('hello world') });

    // An edit made on version 2 is moved over the rename by the server, as over any patch.
    const stale = await h.run('Mutation.modifyFile', EDITOR, { input: { id, baseVersion: 2, patch: diffText('hello world', 'hello world!'), sha256: sha('hello world!'), requestId: randomUUID() } });
    expect(stale.errors).toEqual([]);
    expect(stale.data).toMatchObject({ version: 4, name: 'notes/final.txt' });
    expect(await getFile(id)).toMatchObject({ version: 4, content: 'hello world!', name: 'notes/final.txt' });

    // The log: contiguous, each version replayable to its sha256.
    let text = '';
    const log = await changes(id);
    expect(log.map((c) => c.version)).toEqual([1, 2, 3, 4]);
    for (const c of log) {
      text = c.patch ? applyText(JSON.parse(c.patch), text) : c.content!;
      expect(sha(text)).toBe(c.sha256);
    }
    // Members keep their roles under the new name; the member index follows (stream handler).
    await h.indexed();
    for (const sub of [OWNER, EDITOR, VIEWER]) {
      const list = await h.run('Query.listFiles', sub, { limit: 100 });
      expect((list.data as { items: Array<{ id: string; name: string }> }).items.find((f) => f.id === id)).toMatchObject({ name: 'notes/final.txt' });
    }
  });

  it('is idempotent by requestId: a retry returns the first change and commits nothing', async () => {
    const id = await insert({ name: 'a.txt', content: 'x', sha256: sha('x') });
    const requestId = randomUUID();
    const first = await rename(OWNER, id, 'b.txt', { requestId });
    const again = await rename(OWNER, id, 'b.txt', { requestId });
    expect(first.errors).toEqual([]);
    expect(again.errors).toEqual([]);
    expect(again.data).toEqual(first.data);
    expect((await getFile(id)).version).toBe(2);
    expect((await changes(id)).length).toBe(2);
  });

  it('refuses viewers and strangers (Forbidden), a blank name (InvalidInput), a stale baseVersion (Conflict), a deleted file (NotFound)', async () => {
    const id = await insert({ name: 'c.txt', content: 'c', sha256: sha('c') });
    expect((await rename(VIEWER, id, 'd.txt')).errors[0]).toMatchObject({ errorType: 'Forbidden' });
    expect((await rename('stranger-sub', id, 'd.txt')).errors[0]).toMatchObject({ errorType: 'Forbidden' });
    expect((await rename(OWNER, id, '  ')).errors[0]).toMatchObject({ errorType: 'InvalidInput' });
    expect((await rename(OWNER, id, 'x'.repeat(100_000))).errors[0]).toMatchObject({ errorType: 'TooLarge' });
    expect((await rename(OWNER, id, 'd.txt', { baseVersion: 5 })).errors[0]).toMatchObject({ errorType: 'Conflict' });
    expect((await rename(OWNER, randomUUID(), 'd.txt')).errors[0]).toMatchObject({ errorType: 'NotFound' });
    expect((await h.run('Mutation.deleteFile', OWNER, { input: { id } })).errors).toEqual([]);
    expect((await rename(OWNER, id, 'd.txt')).errors[0]).toMatchObject({ errorType: 'NotFound' });
    // Nothing committed by the refused renames: the tombstone is version 2, under the first name.
    const r = await h.run('Query.getFile', OWNER, { id });
    expect(r.data).toMatchObject({ name: 'c.txt', version: 2, deleted: true });
  });

  it('a binary file moves its base with it: content readable after the rename, and a whole-content edit on the new version commits', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const id = await insert({ name: 'pic.bin', contentType: 'application/octet-stream', encoding: 'BASE64', content: bytes.toString('base64'), sha256: sha(bytes) });
    expect((await rename(OWNER, id, 'img/pic.bin')).errors).toEqual([]);
    expect(await getFile(id)).toMatchObject({ name: 'img/pic.bin', version: 2, content: bytes.toString('base64'), sha256: sha(bytes) });
    const next = Buffer.from([7, 7, 7]);
    const m = await h.run('Mutation.modifyFile', OWNER, { input: { id, baseVersion: 2, content: next.toString('base64'), sha256: sha(next), requestId: randomUUID() } });
    expect(m.errors).toEqual([]);
    expect(await getFile(id)).toMatchObject({ name: 'img/pic.bin', version: 3, content: next.toString('base64') });
  });

  it('many renames in a row keep the text readable from its body and the identity patches after it', async () => {
    const id = await insert({ name: 'r0.txt', content: 'stays the same', sha256: sha('stays the same') });
    for (let i = 1; i <= 55; i += 1) expect((await rename(OWNER, id, `r${i}.txt`)).errors).toEqual([]);
    expect(await getFile(id)).toMatchObject({ name: 'r55.txt', version: 56, content: 'stays the same' });
    const m = await h.run('Mutation.modifyFile', OWNER, {
      input: { id, baseVersion: 56, patch: diffText('stays the same', 'stays the same.'), sha256: sha('stays the same.'), requestId: randomUUID() },
    });
    expect(m.errors).toEqual([]);
    expect(await getFile(id)).toMatchObject({ version: 57, content: 'stays the same.' });
  });
});
