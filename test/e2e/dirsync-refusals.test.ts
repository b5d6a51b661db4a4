/**
 * Folder sync never loses a file to a refusal or a conflict, against the real local runtime: a
 * viewer's edit and delete and an editor's delete are put back with a warning saying why, the owner's
 * delete goes everywhere; binary content changed on both sides is kept as a conflict copy; a file
 * deleted on the server while changed here stays; new files are shared as `shareWith` says.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api as craftSync } from '../../infra/api.ts';
import { PASSWORD, startStack, type TestStack } from './harness.ts';
import { waitFor } from './client-harness.ts';
import { signIn, startSync, tree, type Synced } from './dirsync-helpers.ts';

let stack: TestStack;
let tmp: string;
const running: Synced[] = [];

beforeAll(async () => {
  stack = await startStack(craftSync);
  tmp = mkdtempSync(join(tmpdir(), 'craft-sync-dirsync-refusals-'));
  for (const email of ['olive@example.com', 'vic@example.com', 'ed@example.com']) await stack.runtime.cognito!.createUser({ email, password: PASSWORD });
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
/** The files in `dir` (top level) whose names start with `prefix`. */
const beside = (dir: string, prefix: string) => readdirSync(dir).filter((n) => n.startsWith(prefix));

describe('sync <dir> refusals and conflicts', () => {
  it("shares new files as asked; a viewer's edit and delete and an editor's delete are restored with the reason; the owner's delete goes", async () => {
    const owner = await signIn(stack, 'olive@example.com');
    const viewer = await signIn(stack, 'vic@example.com');
    const editor = await signIn(stack, 'ed@example.com');
    const vicSub = (await viewer.session.currentUser()).sub;
    const edSub = (await editor.session.currentUser()).sub;
    const [o, v, e] = [folder('olive'), folder('vic'), folder('ed')];
    writeFileSync(join(o, 'plan.txt'), 'the plan\n');
    mkdirSync(join(o, 'sub'));
    writeFileSync(join(o, 'sub/img.bin'), Buffer.from([9, 8, 7, 0, 255]));
    const so = await startSync(owner, o, {
      shareWith: [
        { userId: vicSub, role: 'VIEWER' },
        { userId: edSub, role: 'EDITOR' },
      ],
    });
    const sv = await startSync(viewer, v);
    const se = await startSync(editor, e);
    running.push(so, sv, se);
    await waitFor(
      () => so.events.some((x) => x.file === 'plan.txt' && x.event === 'pushed'),
      'the new file pushed',
      () => so.lines(),
    );
    expect(so.events.find((x) => x.file === 'plan.txt' && x.event === 'pushed')!.message).toBe(`pushed new plan.txt v1 (shared with ${vicSub} (viewer), ${edSub} (editor))`);
    await waitFor(
      () => read(join(v, 'plan.txt')) === 'the plan\n' && existsSync(join(e, 'sub/img.bin')) && existsSync(join(v, 'sub/img.bin')),
      'the shared files to reach viewer and editor',
      () => [tree(v), tree(e)],
    );

    // The viewer's edit: refused, the server's content back, the viewer's text kept beside it.
    writeFileSync(join(v, 'plan.txt'), 'the plan, as the viewer would have it\n');
    await waitFor(
      () => sv.events.some((x) => x.event === 'restored' && x.file === 'plan.txt'),
      'the refused edit restored',
      () => sv.lines(),
    );
    expect(sv.events.find((x) => x.event === 'restored')!.message).toMatch(
      /^the server refused your edit of plan\.txt \(Forbidden: .*\): restored v1; your version is kept as plan \(refused edit .*\)\.txt$/,
    );
    expect(read(join(v, 'plan.txt'))).toBe('the plan\n');
    const [copy] = beside(v, 'plan (refused edit');
    expect(read(join(v, copy!))).toBe('the plan, as the viewer would have it\n');
    expect((await owner.getFile(so.events.find((x) => x.file === 'plan.txt')!.id!)).content).toBe('the plan\n');

    // The viewer's delete and the editor's delete: put back, saying who may delete.
    unlinkSync(join(v, 'plan.txt'));
    unlinkSync(join(e, 'sub/img.bin'));
    await waitFor(
      () => read(join(v, 'plan.txt')) === 'the plan\n' && existsSync(join(e, 'sub/img.bin')),
      'both deletes restored',
      () => [sv.lines(), se.lines()],
    );
    expect(sv.events.some((x) => x.message === 'the server refused to delete plan.txt: only its owner deletes it, and you are a viewer: restored v1')).toBe(true);
    expect(se.events.some((x) => x.message === 'the server refused to delete sub/img.bin: only its owner deletes it, and you are an editor: restored v1')).toBe(true);
    expect(readFileSync(join(e, 'sub/img.bin')).equals(Buffer.from([9, 8, 7, 0, 255]))).toBe(true);
    expect(sv.events.some((x) => x.event === 'removed')).toBe(false);

    // The owner's delete reaches everyone.
    unlinkSync(join(o, 'plan.txt'));
    await waitFor(
      () => !existsSync(join(v, 'plan.txt')) && !existsSync(join(e, 'plan.txt')),
      "the owner's delete to reach both",
      () => [sv.lines(), se.lines()],
    );
    expect(so.events.some((x) => x.message === 'deleted plan.txt v2')).toBe(true);
    for (const s of [so, sv, se]) await s.sync.stop();
    running.length = 0;
  }, 120_000);

  it('binary content changed on both sides is kept as a conflict copy; a file deleted on the server while changed here stays and goes up as new', async () => {
    const a = await signIn(stack, 'olive@example.com');
    const b = await signIn(stack, 'olive@example.com');
    const [d1, d2] = [folder('olive-a'), folder('olive-b')];
    writeFileSync(join(d1, 'pic.bin'), Buffer.from([1, 2, 3, 0]));
    writeFileSync(join(d1, 'doomed.txt'), 'first\n');
    const s1 = await startSync(a, d1);
    let s2 = await startSync(b, d2);
    running.push(s1);
    await waitFor(
      () => existsSync(join(d2, 'pic.bin')) && read(join(d2, 'doomed.txt')) === 'first\n',
      'both files to reach the second folder',
      () => tree(d2),
    );
    await s2.sync.stop();

    // While the second folder is not syncing: both change the picture, the first deletes doomed.txt, the second edits it.
    writeFileSync(join(d1, 'pic.bin'), Buffer.from([1, 2, 3, 0, 111]));
    writeFileSync(join(d2, 'pic.bin'), Buffer.from([1, 2, 3, 0, 222]));
    unlinkSync(join(d1, 'doomed.txt'));
    writeFileSync(join(d2, 'doomed.txt'), 'first\nsecond, written here\n');
    await waitFor(
      () => s1.events.some((x) => x.message === 'pushed pic.bin v2') && s1.events.some((x) => x.message === 'deleted doomed.txt v2'),
      'the first folder to push its changes',
      () => s1.lines(),
    );

    s2 = await startSync(b, d2);
    running.push(s2);
    await waitFor(
      () => s2.events.some((x) => x.event === 'conflict'),
      'the conflict to be seen',
      () => s2.lines(),
    );
    expect(s2.events.find((x) => x.event === 'conflict')!.message).toMatch(/^conflict: pic\.bin changed on the server \(v2\) and here; yours is kept as pic \(conflicted copy .*\)\.bin$/);
    const [copy] = beside(d2, 'pic (conflicted copy');
    expect(readFileSync(join(d2, copy!)).equals(Buffer.from([1, 2, 3, 0, 222]))).toBe(true);
    expect(readFileSync(join(d2, 'pic.bin')).equals(Buffer.from([1, 2, 3, 0, 111]))).toBe(true);
    // Both versions reach the first folder: the server's as pic.bin, the other as the conflict copy.
    await waitFor(
      () => existsSync(join(d1, copy!)) && readFileSync(join(d1, copy!)).equals(Buffer.from([1, 2, 3, 0, 222])),
      'the conflict copy to reach the first folder',
      () => tree(d1),
    );
    expect(s2.events.some((x) => x.message === 'doomed.txt was deleted on the server, but it holds changes made here that never reached the server: kept, and sent as a new file')).toBe(true);
    await waitFor(
      () => read(join(d1, 'doomed.txt')) === 'first\nsecond, written here\n',
      'the kept file to come back as a new file',
      () => [s1.lines(), s2.lines()],
    );
    for (const s of [s1, s2]) await s.sync.stop();
    running.length = 0;
  }, 120_000);
});
