/**
 * Folder sync: a rename or move keeps the file's id, members and history (renameFile), both ways and
 * into and out of subfolders; a viewer's rename is refused and moved back. Real local runtime.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api as craftSync } from '../../infra/api.ts';
import { PASSWORD, startStack, type TestStack } from './harness.ts';
import { waitFor } from './client-harness.ts';
import { isDir, signIn, startSync, tree, type Synced } from './dirsync-helpers.ts';

let stack: TestStack;
let tmp: string;
const running: Synced[] = [];

beforeAll(async () => {
  stack = await startStack(craftSync);
  tmp = mkdtempSync(join(tmpdir(), 'craft-sync-dirsync-renames-'));
  for (const email of ['nora@example.com', 'eli@example.com', 'val@example.com']) await stack.runtime.cognito!.createUser({ email, password: PASSWORD });
});

afterAll(async () => {
  for (const s of running) await s.sync.stop({ flushMs: 1000 }).catch(() => undefined);
  await stack?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : undefined);
const folder = (name: string) => {
  const d = join(tmp, name);
  mkdirSync(d, { recursive: true });
  return d;
};

describe('sync <dir> renames and moves', () => {
  it("keep the file's id, members and history both ways; a viewer's rename is moved back", async () => {
    const owner = await signIn(stack, 'nora@example.com');
    const editor = await signIn(stack, 'eli@example.com');
    const viewer = await signIn(stack, 'val@example.com');
    const [o, e, v] = [folder('nora'), folder('eli'), folder('val')];
    mkdirSync(join(o, 'bin'));
    writeFileSync(join(o, 'a.txt'), 'first line\n');
    writeFileSync(join(o, 'bin/p.bin'), Buffer.from([5, 0, 5, 255]));
    const so = await startSync(owner, o, {
      shareWith: [
        { userId: (await editor.session.currentUser()).sub, role: 'EDITOR' },
        { userId: (await viewer.session.currentUser()).sub, role: 'VIEWER' },
      ],
    });
    const se = await startSync(editor, e);
    const sv = await startSync(viewer, v);
    running.push(so, se, sv);
    await waitFor(
      () => read(join(e, 'a.txt')) === 'first line\n' && existsSync(join(v, 'bin/p.bin')) && existsSync(join(e, 'bin/p.bin')) && existsSync(join(v, 'a.txt')),
      'both files everywhere',
      () => [tree(e), tree(v)],
    );
    const id = so.events.find((x) => x.event === 'pushed' && x.file === 'a.txt')!.id!;

    // The owner moves a.txt into a new folder: one rename on the server, followed by both others.
    mkdirSync(join(o, 'docs'));
    renameSync(join(o, 'a.txt'), join(o, 'docs/a renamed.txt'));
    await waitFor(
      () => read(join(e, 'docs/a renamed.txt')) === 'first line\n' && !existsSync(join(e, 'a.txt')) && read(join(v, 'docs/a renamed.txt')) === 'first line\n',
      'the move to reach both',
      () => [tree(e), tree(v), so.lines()],
    );
    expect(so.events.some((x) => x.event === 'renamed' && x.message === 'renamed a.txt to docs/a renamed.txt v2' && x.id === id)).toBe(true);
    expect(se.events.some((x) => x.message === 'renamed a.txt to docs/a renamed.txt v2 (on the server)')).toBe(true);
    expect(so.events.some((x) => x.event === 'deleted' || (x.event === 'pushed' && x.file === 'docs/a renamed.txt'))).toBe(false);
    // Same id, same members, history on it.
    for (const api of [owner, editor, viewer]) expect(await api.getFile(id)).toMatchObject({ name: 'docs/a renamed.txt', version: 2, content: 'first line\n' });
    expect((await owner.getFileChanges(id, 0)).items.map((c) => [c.version, c.name])).toEqual([
      [1, 'a.txt'],
      [2, 'docs/a renamed.txt'],
    ]);

    // An edit under the new name travels as before.
    writeFileSync(join(e, 'docs/a renamed.txt'), 'first line\nsecond line\n');
    await waitFor(
      () => read(join(o, 'docs/a renamed.txt')) === 'first line\nsecond line\n',
      'an edit after the move',
      () => so.lines(),
    );

    // The editor moves the binary out of its folder: the owner follows, and the empty folder goes.
    renameSync(join(e, 'bin/p.bin'), join(e, 'p.bin'));
    await waitFor(
      () => existsSync(join(o, 'p.bin')) && !existsSync(join(o, 'bin/p.bin')) && existsSync(join(v, 'p.bin')),
      'the binary move to reach the others',
      () => [tree(o), tree(v), se.lines()],
    );
    expect(readFileSync(join(o, 'p.bin')).equals(Buffer.from([5, 0, 5, 255]))).toBe(true);
    expect(isDir(join(o, 'bin'))).toBe(false);
    const pid = so.events.find((x) => x.event === 'pushed' && x.file === 'bin/p.bin')!.id!;
    expect(await owner.getFile(pid)).toMatchObject({ name: 'p.bin', owner: (await owner.session.currentUser()).sub, deleted: false });

    // The viewer may not rename: moved back, with the reason.
    renameSync(join(v, 'p.bin'), join(v, 'mine.bin'));
    await waitFor(
      () => existsSync(join(v, 'p.bin')) && !existsSync(join(v, 'mine.bin')),
      "the viewer's rename moved back",
      () => sv.lines(),
    );
    expect(sv.events.find((x) => x.event === 'restored')!.message).toMatch(/^the server refused to rename p\.bin to mine\.bin \(Forbidden: .*\): moved back$/);
    expect((await owner.getFile(pid)).name).toBe('p.bin');
    await so.sync.tick();
    expect(Object.keys(tree(o)).sort()).toEqual(['docs/a renamed.txt', 'p.bin']);
    for (const s of [so, se, sv]) await s.sync.stop();
    running.length = 0;
  }, 120_000);
});
