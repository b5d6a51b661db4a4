/**
 * The `craft-sync` CLI as a user runs it (its own processes, --profile dirs) against the real local
 * runtime: the file commands with --json and exit codes, and `sync <dir>` keeping two folders and
 * one server in step both ways.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api as craftSync } from '../../infra/api.ts';
import { PASSWORD, startStack, type TestStack } from './harness.ts';
import { waitFor } from './client-harness.ts';

const BIN = resolve('client/cli/craft-sync.mjs');
let stack: TestStack;
let tmp: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  stack = await startStack(craftSync);
  tmp = mkdtempSync(join(tmpdir(), 'craft-sync-cli-'));
  await stack.runtime.cognito!.createUser({ email: 'carol@example.com', password: PASSWORD });
  await stack.runtime.cognito!.createUser({ email: 'dave@example.com', password: PASSWORD });
  // SRP only, as a pool that does not allow USER_PASSWORD_AUTH: every `login` below proves the CLI signs in with SRP.
  const { userPoolId, clientId } = stack.runtime.cognito!;
  await stack.runtime.cognito!.call('UpdateUserPoolClient', { UserPoolId: userPoolId, ClientId: clientId, ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] });
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await stack?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function cli(profile: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, '--profile', join(tmp, profile), ...args], { env: { ...process.env, CRAFT_SYNC_PASSWORD: PASSWORD } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

const json = <T>(s: string): T => JSON.parse(s.trim().split('\n').pop()!) as T;

describe('craft-sync CLI', () => {
  it('login (SRP: the app client refuses USER_PASSWORD_AUTH), put, ls, get, push, history, share, get --version, rm, with --json and exit codes', async () => {
    const config = stack.runtime.amplifyConfigPath;
    const { clientId } = stack.runtime.cognito!;
    await expect(
      stack.runtime.cognito!.call('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: 'carol@example.com', PASSWORD } }),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'InitiateAuth: USER_PASSWORD_AUTH flow not enabled for this client',
    });
    expect((await cli('none', 'ls')).code).toBe(3); // not signed in
    expect((await cli('none', 'frobnicate')).code).toBe(2);
    const carol = json<{ sub: string }>((await cli('carol', 'login', 'carol@example.com', '--config', config, '--json')).stdout);
    const dave = json<{ sub: string }>((await cli('dave', 'login', 'dave@example.com', '--config', config, '--json')).stdout);
    expect(carol.sub).toBeTruthy();

    const path = join(tmp, 'notes.md');
    writeFileSync(path, '# notes\nfirst\n');
    const put = await cli('carol', 'put', path, '--json');
    expect(put.code).toBe(0);
    const { id } = json<{ id: string }>(put.stdout);

    const ls = json<Array<{ id: string; name: string }>>((await cli('carol', 'ls', '--json')).stdout);
    expect(ls.map((f) => f.name)).toContain('notes.md');

    writeFileSync(path, '# notes\nfirst\nsecond\n');
    expect(json<{ version: number }>((await cli('carol', 'push', id, path, '--json')).stdout).version).toBe(2);
    expect((await cli('carol', 'get', id)).stdout).toBe('# notes\nfirst\nsecond\n');
    expect(json<{ content: string }>((await cli('carol', 'get', id, '--version', '1', '--json')).stdout).content).toBe('# notes\nfirst\n');

    const history = (await cli('carol', 'history', id, '--json')).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { version: number; op: string });
    expect(history.map((h) => [h.version, h.op])).toEqual([
      [1, 'INSERT'],
      [2, 'MODIFY'],
    ]);

    expect((await cli('dave', 'get', id)).code).toBe(5); // forbidden before the share
    expect((await cli('dave', 'mute', id)).code).toBe(5); // only members choose notifications
    expect((await cli('carol', 'share', id, dave.sub, '--as', 'viewer')).code).toBe(0);
    expect((await cli('dave', 'get', id)).stdout).toBe('# notes\nfirst\nsecond\n');
    writeFileSync(path, '# notes by dave\n');
    expect((await cli('dave', 'push', id, path)).code).toBe(5); // a viewer cannot modify
    expect((await cli('dave', 'rm', id)).code).toBe(5);
    // A viewer mutes the file's notifications for themself, then turns them back on.
    expect(json<{ fileId: string; userId: string; muted: boolean }>((await cli('dave', 'mute', id, '--json')).stdout)).toMatchObject({ fileId: id, userId: dave.sub, muted: true });
    expect((await cli('dave', 'unmute', id)).stdout).toContain(`notifications of ${id} on for you`);

    expect((await cli('carol', 'rm', id)).code).toBe(0);
    expect((await cli('carol', 'push', id, path)).code).toBe(4);
    expect(json<Array<{ id: string }>>((await cli('carol', 'ls', '--json')).stdout).map((f) => f.id)).not.toContain(id);
    const all = json<Array<{ id: string; deleted: boolean }>>((await cli('carol', 'ls', '--all', '--json')).stdout);
    expect(all.find((f) => f.id === id)).toMatchObject({ deleted: true });
  }, 240_000); // about twenty CLI processes, each starting Node, tsx and Amplify

  it('sync <dir> keeps two folders and one server in step both ways', async () => {
    const config = stack.runtime.amplifyConfigPath;
    for (const p of ['laptop', 'desktop']) expect((await cli(p, 'login', 'carol@example.com', '--config', config)).code).toBe(0);
    const d1 = join(tmp, 'folder1');
    const d2 = join(tmp, 'folder2');
    mkdirSync(d1);
    mkdirSync(d2);
    writeFileSync(join(d1, 'plan.txt'), 'step one\n');
    for (const [p, d] of [
      ['laptop', d1],
      ['desktop', d2],
    ] as const) {
      const child = spawn(process.execPath, [BIN, '--profile', join(tmp, p), 'sync', d, '--interval', '200'], { stdio: 'ignore' });
      children.push(child);
    }
    const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : undefined);

    await waitFor(
      () => read(join(d2, 'plan.txt')) === 'step one\n',
      'a local file to reach the other folder',
      () => read(join(d2, 'plan.txt')),
    );
    writeFileSync(join(d2, 'plan.txt'), 'step one\nstep two\n');
    await waitFor(
      () => read(join(d1, 'plan.txt')) === 'step one\nstep two\n',
      'an edit to travel back',
      () => read(join(d1, 'plan.txt')),
    );

    // Both sides edit before seeing each other: the text merges.
    writeFileSync(join(d1, 'plan.txt'), 'TITLE\nstep one\nstep two\n');
    writeFileSync(join(d2, 'plan.txt'), 'step one\nstep two\nstep three\n');
    await waitFor(
      () => read(join(d1, 'plan.txt')) === 'TITLE\nstep one\nstep two\nstep three\n' && read(join(d2, 'plan.txt')) === read(join(d1, 'plan.txt')),
      'concurrent edits to merge in both folders',
      () => [read(join(d1, 'plan.txt')), read(join(d2, 'plan.txt'))],
    );

    const bytes = Buffer.from([0, 1, 2, 250, 251, 252]);
    writeFileSync(join(d2, 'image.bin'), bytes);
    await waitFor(() => existsSync(join(d1, 'image.bin')) && readFileSync(join(d1, 'image.bin')).equals(bytes), 'a binary file to arrive');

    unlinkSync(join(d1, 'plan.txt'));
    await waitFor(() => !existsSync(join(d2, 'plan.txt')), 'a deletion to reach the other folder');
    for (const c of children) c.kill('SIGTERM');
  }, 120_000);

  it('share --as editor lets the other user push; a role that is neither is refused', async () => {
    const config = stack.runtime.amplifyConfigPath;
    const carol = json<{ sub: string }>((await cli('carol2', 'login', 'carol@example.com', '--config', config, '--json')).stdout);
    const dave = json<{ sub: string }>((await cli('dave2', 'login', 'dave@example.com', '--config', config, '--json')).stdout);
    expect(carol.sub).not.toBe(dave.sub);
    const path = join(tmp, 'shared.txt');
    writeFileSync(path, 'one\n');
    const { id } = json<{ id: string }>((await cli('carol2', 'put', path, '--json')).stdout);
    const bad = await cli('carol2', 'share', id, dave.sub, '--as', 'owner');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--as must be editor or viewer');
    expect((await cli('carol2', 'share', id, dave.sub, '--as', 'editor', '--json')).code).toBe(0);
    writeFileSync(path, 'one\ntwo by dave\n');
    const pushed = await cli('dave2', 'push', id, path, '--json');
    expect(pushed.code).toBe(0);
    expect(json<{ version: number }>(pushed.stdout).version).toBe(2);
    expect((await cli('carol2', 'get', id)).stdout).toBe('one\ntwo by dave\n');
  }, 120_000);

  it('whoami prints the signed-in user id, which the owner shares with; nobody signed in is Unauthorized (exit 3)', async () => {
    const config = stack.runtime.amplifyConfigPath;
    expect((await cli('nobody', 'whoami')).code).toBe(3);
    const carol = json<{ sub: string }>((await cli('carol3', 'login', 'carol@example.com', '--config', config, '--json')).stdout);
    // The Gen 2 amplify_outputs.json the runtime writes beside it does as well.
    expect((await cli('dave3', 'login', 'dave@example.com', '--config', stack.runtime.amplifyOutputsPath)).code).toBe(0);
    const plain = await cli('dave3', 'whoami');
    expect(plain.code).toBe(0);
    const daveSub = plain.stdout.trim();
    expect(json<{ sub: string; username: string }>((await cli('dave3', 'whoami', '--json')).stdout)).toMatchObject({ sub: daveSub, username: expect.any(String) });
    expect(daveSub).not.toBe(carol.sub);
    const path = join(tmp, 'whoami.txt');
    writeFileSync(path, 'for dave\n');
    const { id } = json<{ id: string }>((await cli('carol3', 'put', path, '--json')).stdout);
    expect((await cli('carol3', 'share', id, daveSub, '--as', 'viewer')).code).toBe(0);
    expect((await cli('dave3', 'get', id)).stdout).toBe('for dave\n');
  }, 120_000);

  it('dev starts the local stack, user add creates a user on its issuer, login finds the config in the data dir', async () => {
    const dataDir = join(tmp, 'dev-stack');
    const dev = spawn(process.execPath, [BIN, 'dev', '--data-dir', dataDir, '--port', '0']);
    children.push(dev);
    let out = '';
    dev.stdout.on('data', (d: Buffer) => (out += d.toString()));
    dev.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => dev.on('exit', (code) => r(code)));
    try {
      await waitFor(
        () => out.includes('runtime ready'),
        'the local stack to start',
        () => out,
        90_000,
      );
      const added = await cli('erin', 'user', 'add', 'erin@example.com', '--data-dir', dataDir);
      expect(added.code).toBe(0);
      expect(JSON.parse(added.stdout)).toMatchObject({ email: 'erin@example.com', sub: expect.any(String) });
      const login = await cli('erin', 'login', 'erin@example.com', '--data-dir', dataDir, '--json');
      expect(login.code).toBe(0);
      expect(json<{ sub: string }>(login.stdout).sub).toBe(JSON.parse(added.stdout).sub);
      const path = join(tmp, 'dev.txt');
      writeFileSync(path, 'on the dev stack\n');
      const { id } = json<{ id: string }>((await cli('erin', 'put', path, '--json')).stdout);
      expect((await cli('erin', 'get', id)).stdout).toBe('on the dev stack\n');
      const wrong = await cli('erin2', 'login', 'erin@example.com', '--data-dir', dataDir, '--password', 'not-the-password');
      expect(wrong.code, wrong.stderr).toBe(3);
      expect(wrong.stderr).toMatch(/^craft-sync: Unauthorized: sign-in refused: /m);
    } finally {
      dev.kill('SIGTERM');
    }
    expect(await exited).toBe(0); // stopped cleanly on SIGTERM
    // The stack is gone: the same command now cannot reach the server.
    const gone = await cli('erin', 'ls');
    expect(gone.code).toBe(8);
    expect(gone.stderr).toMatch(/^craft-sync: Network: /m);
  }, 180_000);
});
