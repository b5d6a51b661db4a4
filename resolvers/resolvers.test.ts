import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyText, diffText } from '../client/patch/index.ts';
import { startResolverHarness, type ResolverHarness } from './testing/harness.ts';

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
let h: ResolverHarness;

beforeAll(async () => {
  h = await startResolverHarness();
});
afterAll(async () => {
  await h?.stop();
});

const A = 'alice-sub';
const B = 'bob-sub';
const C = 'carol-sub';

async function insert(content: string, owner = A) {
  const r = await h.run('Mutation.insertFile', owner, { input: { name: 'n.txt', contentType: 'text/plain', content, sha256: sha(content), requestId: randomUUID() } });
  expect(r.errors).toEqual([]);
  return r.data as { fileId: string; version: number };
}

function modify(sub: string, id: string, baseVersion: number, from: string, to: string, requestId: string = randomUUID()) {
  return h.run('Mutation.modifyFile', sub, { input: { id, baseVersion, patch: diffText(from, to), sha256: sha(to), requestId } });
}

describe('sync resolvers on DynamoDB Local', () => {
  it('insert, modify by patch, getFile and getFileChanges', async () => {
    const f = await insert('hello world');
    const m = await modify(A, f.fileId, 1, 'hello world', 'hello 😀 world');
    expect(m.errors).toEqual([]);
    expect(m.data).toMatchObject({ version: 2, op: 'MODIFY', author: A });
    const got = await h.run('Query.getFile', A, { id: f.fileId });
    expect(got.errors).toEqual([]);
    expect(got.data).toMatchObject({ version: 2, content: 'hello 😀 world', myRole: 'OWNER', size: Buffer.byteLength('hello 😀 world') });
    const log = await h.run('Query.getFileChanges', A, { fileId: f.fileId, sinceVersion: 0 });
    expect(log.errors).toEqual([]);
    const items = (log.data as { items: Array<{ version: number; content: string | null; patch: string | null }> }).items;
    expect(items.map((c) => c.version)).toEqual([1, 2]);
    expect(applyText(JSON.parse(items[1]!.patch!), items[0]!.content!)).toBe('hello 😀 world');
  });

  it('a retry replays the first result; whole content at a stale base is Conflict with the head version', async () => {
    const f = await insert('one');
    const rid = randomUUID();
    const first = await modify(A, f.fileId, 1, 'one', 'two', rid);
    expect(first.errors).toEqual([]);
    const retry = await modify(A, f.fileId, 1, 'one', 'two', rid);
    expect(retry.errors).toEqual([]);
    expect(retry.data).toEqual(first.data);
    const stale = await h.run('Mutation.modifyFile', A, { input: { id: f.fileId, baseVersion: 1, content: 'three', sha256: sha('three'), requestId: randomUUID() } });
    expect(stale.errors[0]).toMatchObject({ errorType: 'Conflict', errorInfo: { headVersion: 2, reason: 'STALE_BASE' } });
  });

  it('roles: viewer cannot modify, stranger cannot read, non-owner cannot delete', async () => {
    const f = await insert('base');
    expect((await h.run('Query.getFile', B, { id: f.fileId })).errors[0]?.errorType).toBe('Forbidden');
    expect((await h.run('Mutation.shareFile', A, { input: { fileId: f.fileId, userId: B, role: 'EDITOR' } })).errors).toEqual([]);
    expect((await h.run('Mutation.shareFile', A, { input: { fileId: f.fileId, userId: C, role: 'VIEWER' } })).errors).toEqual([]);
    expect((await modify(B, f.fileId, 1, 'base', 'base!')).errors).toEqual([]);
    expect((await modify(C, f.fileId, 2, 'base!', 'x')).errors[0]?.errorType).toBe('Forbidden');
    expect((await h.run('Mutation.deleteFile', B, { input: { id: f.fileId } })).errors[0]?.errorType).toBe('Forbidden');
    expect((await h.run('Subscription.onFileChanged', C, { fileId: f.fileId })).errors).toEqual([]);
    expect((await h.run('Subscription.onFileChanged', 'stranger', { fileId: f.fileId })).errors[0]?.errorType).toBe('Forbidden');
    await h.indexed(); // B's modify reaches the member index through the stream (handlers/members)
    const list = await h.run('Query.listFiles', B, {});
    expect(list.errors).toEqual([]);
    expect((list.data as { items: Array<{ id: string; version: number }> }).items.find((x) => x.id === f.fileId)).toMatchObject({ version: 2 });
    expect((await h.run('Mutation.unshareFile', A, { input: { fileId: f.fileId, userId: B } })).errors).toEqual([]);
    expect((await modify(B, f.fileId, 2, 'base!', 'y')).errors[0]?.errorType).toBe('Forbidden');
    const feed = await h.run('Query.syncFiles', B, {});
    expect((feed.data as { items: Array<{ id: string; myRole: string | null }> }).items.find((x) => x.id === f.fileId)).toMatchObject({ myRole: null });
  });

  it('shareFile authorizes before it judges the target: stranger and viewer naming themself are Forbidden, the owner InvalidInput', async () => {
    const f = await insert('shared');
    expect((await h.run('Mutation.shareFile', A, { input: { fileId: f.fileId, userId: C, role: 'VIEWER' } })).errors).toEqual([]);
    const stranger = await h.run('Mutation.shareFile', B, { input: { fileId: f.fileId, userId: B, role: 'EDITOR' } });
    expect(stranger.errors[0]?.errorType).toBe('Forbidden');
    const viewer = await h.run('Mutation.shareFile', C, { input: { fileId: f.fileId, userId: C, role: 'EDITOR' } });
    expect(viewer.errors[0]?.errorType).toBe('Forbidden');
    const owner = await h.run('Mutation.shareFile', A, { input: { fileId: f.fileId, userId: A, role: 'EDITOR' } });
    expect(owner.errors[0]).toMatchObject({ errorType: 'InvalidInput', message: expect.stringContaining('the owner cannot share a file with themself') });
    // Nothing changed: C is still a viewer, B still a stranger.
    expect((await h.run('Query.getFile', C, { id: f.fileId })).data).toMatchObject({ myRole: 'VIEWER' });
    expect((await h.run('Query.getFile', B, { id: f.fileId })).errors[0]?.errorType).toBe('Forbidden');
  });

  it('delete leaves a tombstone reported by getFile, getFileChanges and syncFiles', async () => {
    const f = await insert('bye');
    const del = await h.run('Mutation.deleteFile', A, { input: { id: f.fileId } });
    expect(del.errors).toEqual([]);
    expect(del.data).toMatchObject({ op: 'DELETE', version: 2, deleted: true });
    expect((await h.run('Query.getFile', A, { id: f.fileId })).data).toMatchObject({ deleted: true, content: null });
    expect((await modify(A, f.fileId, 2, '', 'x')).errors[0]?.errorType).toBe('NotFound');
    const feed = await h.run('Query.syncFiles', A, { limit: 100 });
    expect((feed.data as { items: Array<{ id: string; deleted: boolean }> }).items.find((x) => x.id === f.fileId)).toMatchObject({ deleted: true });
  });

  it('input errors are typed', async () => {
    const bad = await h.run('Mutation.insertFile', A, { input: { name: 'x', contentType: 'nope', content: '', sha256: sha('') } });
    expect(bad.errors[0]).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'contentType' } });
    const big = await h.run('Mutation.insertFile', A, { input: { name: 'x', contentType: 'text/plain', content: 'a'.repeat(40000), sha256: sha('') } });
    expect(big.errors[0]?.errorType).toBe('TooLarge');
    const f = await insert('abc');
    const past = await h.run('Mutation.modifyFile', A, { input: { id: f.fileId, baseVersion: 1, patch: { v: 1, t: 'text', ops: [5] }, sha256: sha(''), requestId: randomUUID() } });
    expect(past.errors[0]?.errorType).toBe('InvalidInput');
    expect((await h.run('Query.getFile', A, { id: randomUUID() })).errors[0]?.errorType).toBe('NotFound');
  });
});
