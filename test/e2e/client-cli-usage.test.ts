/**
 * `craft-sync`'s command line as people meet it: per-command `--help`, every usage error exit 2 with
 * one line naming the problem and that command's usage (checked before any sign-in or request),
 * and `unshare` against the real local runtime.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api as craftSync } from '../../infra/api.ts';
import { PASSWORD, startStack, type TestStack } from './harness.ts';

const BIN = resolve('client/cli/craft-sync.mjs');
let stack: TestStack;
let tmp: string;

beforeAll(async () => {
  stack = await startStack(craftSync);
  tmp = mkdtempSync(join(tmpdir(), 'craft-sync-cli-usage-'));
  await stack.runtime.cognito!.createUser({ email: 'uma@example.com', password: PASSWORD });
  await stack.runtime.cognito!.createUser({ email: 'vik@example.com', password: PASSWORD });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function cli(profile: string, ...a: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, '--profile', join(tmp, profile), ...a], { env: { ...process.env, CRAFT_SYNC_PASSWORD: PASSWORD } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

const json = <T>(s: string): T => JSON.parse(s.trim().split('\n').pop()!) as T;

describe('craft-sync usage', () => {
  it("<command> --help prints that command's usage only (exit 0); --help alone the global usage", async () => {
    const ls = await cli('none', 'ls', '--help');
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/^usage: craft-sync ls \[--all\]/);
    expect(ls.stdout).not.toContain('share <id>');
    const share = await cli('none', 'share', '-h');
    expect(share.stdout).toMatch(/^usage: craft-sync share <id> <user-sub> --as editor\|viewer/);
    expect(share.stdout).not.toContain('ls [--all]');
    const unshare = await cli('none', 'unshare', '--help');
    expect(unshare.stdout).toMatch(/^usage: craft-sync unshare <id> <user-sub>/);
    const all = await cli('none', '--help');
    expect(all.code).toBe(0);
    for (const c of ['ls [--all]', 'share <id>', 'unshare <id> <user-sub>', 'exit codes: 0 ok']) expect(all.stdout).toContain(c);
  });

  it.each([
    [['ls', 'extra'], 'ls', 'ls takes no arguments; unexpected: extra'],
    [['ls', '--bogus'], 'ls', 'unknown option --bogus'],
    [['ls', '--as', 'editor'], 'ls', 'ls has no option --as'],
    [['get'], 'get', 'get needs <id>'],
    [['get', 'f1', 'f2'], 'get', 'get takes at most 1; unexpected: f2'],
    [['get', 'f1', '--version', 'two'], 'get', '--version must be an integer, not "two"'],
    [['push', 'f1'], 'push', 'push needs <id> <path>'],
    [['share', 'f1', 'u1'], 'share', 'share needs --as editor|viewer'],
    [['share', 'f1', 'u1', '--as', 'admin'], 'share', '--as must be editor or viewer, not "admin"'],
    [['share', 'f1', 'u1', '--as'], 'share', 'option --as needs a value'],
    [['unshare', 'f1'], 'unshare', 'unshare needs <id> <user-sub>'],
    [['ls', '--all=yes'], 'ls', 'option --all takes no value'],
    [['user', 'remove', 'x@example.com'], 'user', 'unknown user subcommand: remove'],
    [['sync', 'a', 'b'], 'sync', 'sync takes at most 1; unexpected: b'],
  ])('%j exits 2 naming the problem, then the usage of %s (no sign-in needed)', async (argv, command, problem) => {
    // Profile 'none' has never signed in: a usage error must be found before that matters (3).
    const r = await cli('none', ...argv);
    expect(r.code).toBe(2);
    const [first, second] = r.stderr.split('\n');
    expect(first).toBe(`craft-sync: ${problem}`);
    expect(second).toMatch(new RegExp(`^usage: craft-sync ${command} `));
    expect(r.stdout).toBe('');
  });

  it('an unknown command exits 2 with the global usage', async () => {
    const r = await cli('none', 'frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('craft-sync: unknown command: frobnicate');
    expect(r.stderr).toContain('usage: craft-sync <command> [options]');
  });

  it("unshare takes a member's role away (the owner, or the member leaving): they can no longer read or list the file", async () => {
    const config = stack.runtime.amplifyConfigPath;
    expect((await cli('uma', 'login', 'uma@example.com', '--config', config)).code).toBe(0);
    const vik = json<{ sub: string }>((await cli('vik', 'login', 'vik@example.com', '--config', config, '--json')).stdout);
    const path = join(tmp, 'plan.txt');
    writeFileSync(path, 'plan\n');
    const { id } = json<{ id: string }>((await cli('uma', 'put', path, '--json')).stdout);
    const cannotRead = async () => {
      const after = await cli('vik', 'get', id);
      expect(after.code).not.toBe(0);
      expect(after.stdout).toBe('');
      expect(json<Array<{ id: string }>>((await cli('vik', 'ls', '--json')).stdout).map((f) => f.id)).not.toContain(id);
    };

    expect((await cli('uma', 'share', id, vik.sub, '--as', 'viewer')).code).toBe(0);
    expect((await cli('vik', 'get', id)).stdout).toBe('plan\n');
    const byOwner = await cli('uma', 'unshare', id, vik.sub);
    expect(byOwner).toMatchObject({ code: 0, stdout: `${vik.sub} is no longer a member of ${id}\n` });
    await cannotRead();

    expect((await cli('uma', 'share', id, vik.sub, '--as', 'editor')).code).toBe(0);
    expect((await cli('vik', 'get', id)).stdout).toBe('plan\n');
    const leave = await cli('vik', 'unshare', id, vik.sub, '--json');
    expect(leave.code).toBe(0);
    expect(json<{ fileId: string; userId: string }>(leave.stdout)).toMatchObject({ fileId: id, userId: vik.sub });
    await cannotRead();
  }, 240_000);
});
