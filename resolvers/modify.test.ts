import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyText, diffText } from '../client/patch/index.ts';
import { MAX_REBASE, RECENT_PATCH_CHARS } from './lib/limits.ts';
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

interface Change {
  version: number;
  patch: string | null;
  content: string | null;
  sha256: string;
  requestId: string;
}

async function insert(content: string) {
  const r = await h.run('Mutation.insertFile', A, { input: { name: 'n.txt', contentType: 'text/plain', content, sha256: sha(content), requestId: randomUUID() } });
  expect(r.errors).toEqual([]);
  const f = r.data as { fileId: string };
  expect((await h.run('Mutation.shareFile', A, { input: { fileId: f.fileId, userId: B, role: 'EDITOR' } })).errors).toEqual([]);
  return f.fileId;
}

function modify(sub: string, id: string, baseVersion: number, from: string, to: string, requestId: string = randomUUID(), sha256 = sha(to)) {
  return h.run('Mutation.modifyFile', sub, { input: { id, baseVersion, patch: diffText(from, to), sha256, requestId } });
}

/** As the SDK does: a Busy answer is retried with the same request (its edit may already wait in the head's queue). */
async function modifyRetryingBusy(sub: string, id: string, baseVersion: number, from: string, to: string) {
  const requestId = randomUUID();
  for (let attempt = 1; ; attempt += 1) {
    const r = await modify(sub, id, baseVersion, from, to, requestId);
    if (attempt === 8 || r.errors.length === 0 || (r.errors[0] as { errorType?: string }).errorType !== 'Busy') return r;
  }
}

async function head(id: string) {
  const r = await h.run('Query.getFile', A, { id });
  expect(r.errors).toEqual([]);
  return r.data as { version: number; content: string; sha256: string };
}

/** Every change from version 1, replayed: contiguous versions, each sha256 the SHA-256 of what it produces. */
async function replay(id: string): Promise<{ text: string; changes: Change[] }> {
  const changes: Change[] = [];
  let next: string | null = null;
  do {
    const r = await h.run('Query.getFileChanges', A, { fileId: id, sinceVersion: 0, limit: 100, nextToken: next });
    expect(r.errors).toEqual([]);
    const page = r.data as { items: Change[]; nextToken: string | null };
    changes.push(...page.items);
    next = page.nextToken;
  } while (next);
  let text = '';
  changes.forEach((c, i) => {
    expect(c.version).toBe(i + 1);
    text = c.patch ? applyText(JSON.parse(c.patch), text) : (c.content ?? '');
    expect(c.sha256).toBe(sha(text));
  });
  return { text, changes };
}

describe('modifyFile moves a stale text edit on the server', () => {
  it('a stale-base patch commits in one call, merged over what it missed, with the server-computed SHA-256', async () => {
    const id = await insert('hello world');
    expect((await modify(A, id, 1, 'hello world', 'hello brave world')).errors).toEqual([]);
    expect((await modify(A, id, 2, 'hello brave world', 'hello brave new world')).errors).toEqual([]);
    // B still at version 1 appends; the sha256 B states is of B's own result, which is not what commits.
    const stale = await modify(B, id, 1, 'hello world', 'hello world!');
    expect(stale.errors).toEqual([]);
    const merged = 'hello brave new world!';
    expect(stale.data).toMatchObject({ version: 4, author: B, sha256: sha(merged) });
    expect(applyText(JSON.parse((stale.data as Change).patch!), 'hello brave new world')).toBe(merged);
    expect(await head(id)).toMatchObject({ version: 4, content: merged, sha256: sha(merged) });
    expect((await replay(id)).text).toBe(merged);
  });

  it('refuses a wrong sha256 at the head (InvalidInput) and commits nothing; a request id reused for another edit is InvalidInput', async () => {
    const id = await insert('abc');
    const wrong = await modify(A, id, 1, 'abc', 'abcd', randomUUID(), 'a'.repeat(64));
    expect(wrong.errors[0]).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'sha256' } });
    expect((await head(id)).version).toBe(1);
    const rid = randomUUID();
    const first = await modify(A, id, 1, 'abc', 'abcd', rid);
    expect(first.errors).toEqual([]);
    expect((await modify(A, id, 1, 'abc', 'abcd', rid)).data).toEqual(first.data);
    const reused = await modify(A, id, 1, 'abc', 'xyz', rid);
    expect(reused.errors[0]).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'requestId' } });
    expect(await head(id)).toMatchObject({ version: 2, content: 'abcd' });
  });

  it('refuses a patch that does not fit its base, whole content with a wrong sha256, and an insert with a wrong sha256', async () => {
    const id = await insert('abc');
    const misfit = await h.run('Mutation.modifyFile', A, { input: { id, baseVersion: 1, patch: { v: 1, t: 'text', ops: [5, 'x'] }, sha256: sha('abcx'), requestId: randomUUID() } });
    expect(misfit.errors[0]).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'patch' } });
    expect((await modify(A, id, 1, 'abc', 'abcd')).errors).toEqual([]);
    const staleMisfit = await h.run('Mutation.modifyFile', B, { input: { id, baseVersion: 1, patch: { v: 1, t: 'text', ops: [9, 'x'] }, sha256: sha('x'), requestId: randomUUID() } });
    expect(staleMisfit.errors[0]).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'patch' } });
    const whole = await h.run('Mutation.modifyFile', A, { input: { id, baseVersion: 2, content: 'zzz', sha256: sha('zz'), requestId: randomUUID() } });
    expect(whole.errors[0]).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'sha256' } });
    expect(await head(id)).toMatchObject({ version: 2, content: 'abcd' });
    const ins = await h.run('Mutation.insertFile', A, { input: { name: 'x.txt', contentType: 'text/plain', content: 'a\u00ffb', sha256: 'a'.repeat(64), requestId: randomUUID() } });
    expect(ins.errors[0]).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'sha256' } });
    const binary = await h.run('Mutation.insertFile', A, {
      input: {
        name: 'x.bin',
        contentType: 'application/octet-stream',
        encoding: 'BASE64',
        content: '/wA=',
        sha256: createHash('sha256')
          .update(Buffer.from([255, 0]))
          .digest('hex'),
        requestId: randomUUID(),
      },
    });
    expect(binary.errors).toEqual([]);
  });

  it('a base beyond the bound, or missed changes that are not patches, answer Conflict and commit nothing', async () => {
    const id = await insert('0');
    let text = '0';
    for (let v = 1; v <= MAX_REBASE + 1; v += 1) {
      const r = await modify(A, id, v, text, `${text}.`);
      expect(r.errors).toEqual([]);
      text = `${text}.`;
    }
    const far = await modify(B, id, 1, '0', '0!');
    expect(far.errors[0]).toMatchObject({ errorType: 'Conflict', errorInfo: { headVersion: MAX_REBASE + 2, reason: 'STALE_BASE' } });
    const near = await modify(B, id, 2, '0.', '0.!');
    expect(near.errors).toEqual([]);
    const v = (near.data as Change).version;
    const whole = await h.run('Mutation.modifyFile', A, { input: { id, baseVersion: v, content: 'new', sha256: sha('new'), requestId: randomUUID() } });
    expect(whole.errors).toEqual([]);
    const over = await modify(B, id, v, `${text}!`, `${text}!?`);
    expect(over.errors[0]).toMatchObject({ errorType: 'Conflict', errorInfo: { headVersion: v + 1, reason: 'STALE_BASE' } });
    expect((await head(id)).content).toBe('new');
  });

  it.each([
    ["small edits (the winner's recent patches carry what a loser missed)", ''],
    ["edits too large for the head's recent patches (a loser reads the log in one attempt, commits in the next)", 'x'.repeat(RECENT_PATCH_CHARS)],
  ])('many pipelines racing on one head, %s: each commits once or answers Conflict; the log stays contiguous and verifiable', async (_what, pad) => {
    const id = await insert('');
    const committed = new Set<string>();
    let conflicts = 0;
    for (let round = 0; round < 4; round += 1) {
      const at = await head(id);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => {
          const token = `<${round}.${i}${pad}>`;
          return modifyRetryingBusy(i % 2 ? A : B, id, at.version, at.content, at.content + token).then((r) => ({ r, token }));
        }),
      );
      for (const { r, token } of results) {
        if (r.errors.length === 0) committed.add(token);
        else {
          expect(r.errors[0]).toMatchObject({ errorType: 'Conflict' });
          conflicts += 1;
        }
      }
    }
    // More than one commit per round means losers were moved onto the winner's head on the server.
    expect(committed.size).toBeGreaterThan(4);
    const { text, changes } = await replay(id);
    expect(changes.length).toBe(1 + committed.size);
    for (const t of committed) expect(text.split(t).length).toBe(2);
    expect((await head(id)).content).toBe(text);
    expect(committed.size + conflicts).toBe(32);
  });
});

describe('the member index follows modifies off the hot path (handlers/members)', () => {
  it('listFiles and syncFiles show every member the latest version once the stream handler ran; revoked members are left alone', async () => {
    const id = await insert('x');
    expect((await h.run('Mutation.shareFile', A, { input: { fileId: id, userId: 'carol-sub', role: 'VIEWER' } })).errors).toEqual([]);
    expect((await h.run('Mutation.shareFile', A, { input: { fileId: id, userId: 'dave-sub', role: 'VIEWER' } })).errors).toEqual([]);
    expect((await h.run('Mutation.unshareFile', A, { input: { fileId: id, userId: 'dave-sub' } })).errors).toEqual([]);
    const feed0 = (await h.run('Query.syncFiles', 'carol-sub', { limit: 100 })).data as { cursor: string };
    let text = 'x';
    for (let v = 1; v <= 5; v += 1) {
      expect((await modify(v % 2 ? A : B, id, v, text, `${text}${v}`)).errors).toEqual([]);
      text = `${text}${v}`;
    }
    await h.indexed();
    for (const sub of [A, B, 'carol-sub']) {
      const list = (await h.run('Query.listFiles', sub, {})).data as { items: Array<{ id: string; version: number; sha256: string }> };
      expect(list.items.find((f) => f.id === id)).toMatchObject({ version: 6, sha256: sha(text) });
    }
    const feed = (await h.run('Query.syncFiles', 'carol-sub', { cursor: feed0.cursor, limit: 100 })).data as { items: Array<{ id: string; version: number }> };
    expect(feed.items.filter((f) => f.id === id)).toEqual([expect.objectContaining({ id, version: 6 })]);
    const dave = (await h.run('Query.syncFiles', 'dave-sub', { limit: 100 })).data as { items: Array<{ id: string; version: number; myRole: string | null }> };
    expect(dave.items.find((f) => f.id === id)).toMatchObject({ myRole: null, version: 1 });
  });
});
