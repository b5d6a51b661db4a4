/**
 * Folder sync (client/cli/dirsync.ts) against the real local runtime: subfolders as path prefixes of
 * file names, the ignore file, entries that are not regular files, names from the server that are not
 * safe paths, log lines; and the CLI's clean stop on SIGTERM / SIGINT.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api as craftSync } from '../../infra/api.ts';
import type { Api } from '../../client/sdk/index.ts';
import { insertContent } from '../../client/sdk/index.ts';
import { PASSWORD, startStack, type TestStack } from './harness.ts';
import { waitFor } from './client-harness.ts';
import { isDir, signIn, startSync, tree, type Synced } from './dirsync-helpers.ts';

const BIN = resolve('client/cli/craft-sync.mjs');
let stack: TestStack;
let tmp: string;
const running: Synced[] = [];

beforeAll(async () => {
  stack = await startStack(craftSync);
  tmp = mkdtempSync(join(tmpdir(), 'craft-sync-dirsync-'));
  for (const email of ['rita@example.com', 'sam@example.com']) await stack.runtime.cognito!.createUser({ email, password: PASSWORD });
});

afterAll(async () => {
  for (const s of running) await s.sync.stop({ flushMs: 1000 }).catch(() => undefined);
  await stack?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : undefined);

async function names(api: Api): Promise<string[]> {
  return (await api.listFiles({ limit: 100 })).items.map((f) => f.name);
}

describe('sync <dir>', () => {
  it('syncs subfolders as path-prefixed names, leaves ignored paths, links and FIFOs alone, and pulls unsafe names inside the folder', async () => {
    const laptop = await signIn(stack, 'rita@example.com');
    const desktop = await signIn(stack, 'rita@example.com');
    const d1 = join(tmp, 'rita1');
    const d2 = join(tmp, 'rita2');
    mkdirSync(join(d1, 'notes/deep'), { recursive: true });
    mkdirSync(join(d1, 'build'));
    mkdirSync(d2);
    writeFileSync(join(d1, 'top.txt'), 'top\n');
    writeFileSync(join(d1, 'notes/a.txt'), 'alpha\n');
    writeFileSync(join(d1, 'notes/deep/b.bin'), Buffer.from([0, 1, 2, 255]));
    writeFileSync(join(d1, '.craftsyncignore'), '# scratch\n*.tmp\nbuild/\n');
    writeFileSync(join(d1, 'notes/x.tmp'), 'scratch\n');
    writeFileSync(join(d1, 'build/out.js'), 'built\n');
    writeFileSync(join(tmp, 'rita-secret'), 'never uploaded\n');
    symlinkSync(join(tmp, 'rita-secret'), join(d1, 'notes/link'));
    execFileSync('mkfifo', [join(d1, 'notes/pipe')]);

    const s1 = await startSync(laptop, d1);
    running.push(s1);
    const s2 = await startSync(desktop, d2);
    running.push(s2);
    await waitFor(
      () => read(join(d2, 'notes/a.txt')) === 'alpha\n' && read(join(d2, 'top.txt')) === 'top\n' && existsSync(join(d2, 'notes/deep/b.bin')) && existsSync(join(d2, '.craftsyncignore')),
      'the tree to reach the other folder',
      () => [tree(d2), s1.lines()],
    );
    expect(readFileSync(join(d2, 'notes/deep/b.bin')).equals(Buffer.from([0, 1, 2, 255]))).toBe(true);
    expect(new Set(await names(laptop))).toEqual(new Set(['top.txt', 'notes/a.txt', 'notes/deep/b.bin', '.craftsyncignore']));
    expect(Object.keys(tree(d2)).sort()).toEqual(['.craftsyncignore', 'notes/a.txt', 'notes/deep/b.bin', 'top.txt']);

    // Links and FIFOs: one warning each, however many scans; never followed.
    await s1.sync.tick();
    await s1.sync.tick();
    expect(s1.events.filter((e) => e.message === 'skipping notes/link: a symlink (never followed)')).toHaveLength(1);
    expect(s1.events.filter((e) => e.message === 'skipping notes/pipe: a FIFO')).toHaveLength(1);
    // Each line has its time, and a push or pull its file and version.
    const pushed = s1.events.find((e) => e.event === 'pushed' && e.file === 'notes/a.txt')!;
    expect(pushed).toMatchObject({ version: 1, message: expect.stringMatching(/^pushed new notes\/a\.txt v1 \(private to you; sync --share-with/) });
    expect(Date.parse(pushed.at)).toBeGreaterThan(0);
    expect(s2.events.find((e) => e.event === 'pulled' && e.file === 'notes/a.txt')).toMatchObject({ version: 1, message: 'pulled new notes/a.txt v1' });

    // An edit in a subfolder travels back; a new folder travels; a deleted file's empty folder goes.
    writeFileSync(join(d2, 'notes/a.txt'), 'alpha\nbeta\n');
    mkdirSync(join(d2, 'new/sub'), { recursive: true });
    writeFileSync(join(d2, 'new/sub/c.txt'), 'gamma\n');
    await waitFor(
      () => read(join(d1, 'notes/a.txt')) === 'alpha\nbeta\n' && read(join(d1, 'new/sub/c.txt')) === 'gamma\n',
      'an edit and a new folder to travel back',
      () => s2.lines(),
    );
    await waitFor(
      () => s1.events.some((e) => e.message === 'pulled notes/a.txt v2'),
      'the pull logged with its version',
      () => s1.lines(),
    );
    unlinkSync(join(d1, 'notes/deep/b.bin'));
    await waitFor(
      () => !existsSync(join(d2, 'notes/deep/b.bin')) && !isDir(join(d2, 'notes/deep')),
      'a deletion, and its empty folder, to reach the other folder',
      () => [tree(d2), s2.lines()],
    );
    expect(isDir(join(d2, 'notes'))).toBe(true);

    // Remote names: one the ignore file matches is not pulled; ones that are not safe paths land inside the folder.
    await insertContent(laptop, { name: 'notes/remote.tmp', contentType: 'text/plain', encoding: 'TEXT', content: 'r\n' });
    const evil = await insertContent(laptop, { name: '../escaped.txt', contentType: 'text/plain', encoding: 'TEXT', content: 'outside?\n' });
    await insertContent(laptop, { name: '.craft-sync/index.json', contentType: 'text/plain', encoding: 'TEXT', content: '{}' });
    await waitFor(
      () => s2.events.some((e) => e.message.startsWith('pulled new _craft-sync_index')) && s2.events.some((e) => e.message.startsWith('pulled new __escaped')),
      'the unsafe names pulled',
      () => s2.lines(),
    );
    expect(existsSync(join(tmp, 'escaped.txt'))).toBe(false);
    expect(read(join(d2, `__escaped (${evil.fileId.slice(0, 8)}).txt`))).toBe('outside?\n');
    expect(JSON.parse(readFileSync(join(d2, '.craft-sync/index.json'), 'utf8'))).toMatchObject({ v: 2 });
    expect(s2.events.some((e) => e.message === `not pulling notes/remote.tmp: .craftsyncignore matches it`)).toBe(true);
    expect(existsSync(join(d2, 'notes/remote.tmp'))).toBe(false);

    // The ignore file syncs like any file: a rule removed on one side lets the remote file in on both.
    writeFileSync(join(d2, '.craftsyncignore'), '# scratch\nbuild/\n');
    await waitFor(
      () => read(join(d1, 'notes/remote.tmp')) === 'r\n' && read(join(d2, 'notes/remote.tmp')) === 'r\n',
      'the no longer ignored file pulled',
      () => [s1.lines(), s2.lines()],
    );
    // The local one it no longer covers goes up too.
    await waitFor(
      () => read(join(d2, 'notes/x.tmp')) === 'scratch\n',
      'the no longer ignored local file synced',
      () => s1.lines(),
    );
    expect(existsSync(join(d2, 'build'))).toBe(false);
    expect(await names(laptop)).not.toContain('build/out.js');
    expect(await names(laptop)).not.toContain('notes/link');
    for (const s of [s1, s2]) await s.sync.stop();
    running.length = 0;
  }, 120_000);

  it('a file being rewritten (truncated, then written) goes up once it holds still, never empty or half-written', async () => {
    const api = await signIn(stack, 'rita@example.com');
    const d = join(tmp, 'rita-rewrite');
    mkdirSync(d);
    writeFileSync(join(d, 'draft.txt'), 'one\ntwo\n');
    // A long settle time, so the scans below are sure to fall inside it.
    const s = await startSync(api, d, { settleMs: 3000 });
    running.push(s);
    await waitFor(
      () => s.events.some((e) => e.message.startsWith('pushed new draft.txt v1')),
      'the new file to go up',
      () => s.lines(),
    );
    const id = s.events.find((e) => e.file === 'draft.txt')!.id!;
    // What an editor's save looks like to a scan landing between its truncate and its write.
    writeFileSync(join(d, 'draft.txt'), '');
    await s.sync.tick();
    await s.sync.tick();
    writeFileSync(join(d, 'draft.txt'), 'one\ntwo\nthree\n');
    await waitFor(
      () => s.events.some((e) => e.message === 'pushed draft.txt v2'),
      'the rewritten file to go up',
      () => s.lines(),
    );
    const head = await api.getFile(id);
    expect({ version: head.version, content: head.content }).toEqual({ version: 2, content: 'one\ntwo\nthree\n' });
    expect((await api.getFileChanges(id, 0)).items.map((c) => c.version)).toEqual([1, 2]);
    await s.sync.stop();
    running.splice(running.indexOf(s), 1);
  }, 60_000);

  it('the CLI (--create) logs with times and stops cleanly on SIGTERM and SIGINT, saying so', async () => {
    const profile = join(tmp, 'sam-profile');
    const login = spawn(process.execPath, [BIN, '--profile', profile, 'login', 'sam@example.com', '--config', stack.runtime.amplifyConfigPath], {
      env: { ...process.env, CRAFT_SYNC_PASSWORD: PASSWORD },
      stdio: 'ignore',
    });
    expect(await new Promise((r) => login.on('exit', r))).toBe(0);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const dir = join(tmp, `sam-${signal}`);
      const child = spawn(process.execPath, [BIN, '--profile', profile, 'sync', dir, '--create', '--interval', '200'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      await waitFor(
        () => err.includes('(Ctrl-C to stop)'),
        'the sync to start',
        () => err,
        60_000,
      );
      expect(err).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z syncing .*: \d+ files; new files from here are private to you/m);
      writeFileSync(join(dir, `note-${signal}.txt`), 'hello\n');
      await waitFor(
        () => err.includes(`Z pushed new note-${signal}.txt v1`),
        'the push',
        () => err,
        30_000,
      );
      child.kill(signal);
      expect(await exited).toBe(0);
      expect(err).toContain(`${signal}: stopping`);
      expect(err).toMatch(/stopped: nothing left to send\n$/);
    }
  }, 120_000);
});
