/**
 * The `craft-sync` CLI as scripts consume it, against the real local runtime: `get --json` complete
 * through a pipe (and a closed pipe a failure), `--out` printing metadata only, deleted files
 * reported; a failed `login` leaving the previous session working; `sync <dir>` skipping symlinks
 * (never following them out of the folder) while everything else syncs, and refusing a missing path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
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
  tmp = mkdtempSync(join(tmpdir(), 'craft-sync-cli-output-'));
  await stack.runtime.cognito!.createUser({ email: 'olga@example.com', password: PASSWORD });
  for (const p of ['olga', 'olga-laptop', 'olga-desktop']) {
    const r = await cli(p, 'login', 'olga@example.com', '--config', stack.runtime.amplifyConfigPath);
    if (r.code !== 0) throw new Error(`login failed: ${r.stderr}`);
  }
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await stack?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function args(profile: string, a: string[]): string[] {
  return [BIN, '--profile', join(tmp, profile), ...a];
}

function cli(profile: string, ...a: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args(profile, a), { env: { ...process.env, CRAFT_SYNC_PASSWORD: PASSWORD } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * The CLI's stdout piped straight into another process (an OS pipe between the two, as `a | b` in a
 * shell): the reader takes everything, or with `firstChunkOnly` reads once and closes the pipe.
 */
function piped(profile: string, a: string[], firstChunkOnly = false): Promise<{ code: number; stderr: string; received: Buffer }> {
  const readerScript = firstChunkOnly ? "process.stdin.once('data', (d) => { process.stdout.write(d); process.exit(0); });" : 'process.stdin.pipe(process.stdout);';
  const reader = spawn(process.execPath, ['-e', readerScript], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(reader);
  const chunks: Buffer[] = [];
  reader.stdout!.on('data', (d: Buffer) => chunks.push(d));
  const readerDone = new Promise<void>((r) => reader.stdout!.on('end', () => r()));
  const child = spawn(process.execPath, args(profile, a), { stdio: ['ignore', reader.stdin!, 'pipe'] });
  children.push(child);
  // Only the CLI and the reader hold the pipe now: the reader alone closing it is felt by the CLI.
  reader.stdin!.destroy();
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((done) => child.on('exit', (code) => void readerDone.then(() => done({ code: code ?? -1, stderr, received: Buffer.concat(chunks) }))));
}

const lastJson = <T>(s: string): T => JSON.parse(s.trim().split('\n').pop()!) as T;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('craft-sync CLI output', () => {
  it('get --json through a pipe is complete for a 300 KB text and an 8 MB binary; a reader closing early is an error exit', async () => {
    const text = Array.from({ length: 6000 }, (_, i) => `line ${i}: ${'abcdefghij'.repeat(4)} ${i * 7}\n`).join('');
    expect(text.length).toBeGreaterThan(290_000);
    const textPath = join(tmp, 'big.txt');
    writeFileSync(textPath, text);
    const textId = lastJson<{ id: string }>((await cli('olga', 'put', textPath, '--json')).stdout).id;
    const got = await piped('olga', ['get', textId, '--json']);
    expect(got.code, got.stderr).toBe(0);
    const value = JSON.parse(got.received.toString('utf8')) as { content: string; encoding: string; deleted: boolean; size: number };
    expect(value).toMatchObject({ encoding: 'TEXT', deleted: false, size: Buffer.byteLength(text) });
    expect(value.content).toBe(text);

    const bytes = randomBytes(8 * 1024 * 1024);
    const binPath = join(tmp, 'big.bin');
    writeFileSync(binPath, bytes);
    const binId = lastJson<{ id: string }>((await cli('olga', 'put', binPath, '--json')).stdout).id;
    const bin = await piped('olga', ['get', binId, '--json']);
    expect(bin.code, bin.stderr).toBe(0);
    const binValue = JSON.parse(bin.received.toString('utf8')) as { content: string; encoding: string; sha256: string };
    expect(binValue.encoding).toBe('BASE64');
    const decoded = Buffer.from(binValue.content, 'base64');
    expect(decoded.length).toBe(bytes.length);
    expect(decoded.equals(bytes)).toBe(true);
    expect(binValue.sha256).toBe(sha256(bytes));
    // Raw bytes through the pipe too.
    const raw = await piped('olga', ['get', binId]);
    expect(raw.code, raw.stderr).toBe(0);
    expect(raw.received.equals(bytes)).toBe(true);

    // The reader takes one chunk and goes away: the CLI must not report success.
    const cut = await piped('olga', ['get', binId, '--json'], true);
    expect(cut.received.length).toBeLessThan(bytes.length);
    expect(cut.code).not.toBe(0);
    expect(cut.stderr).toMatch(/EPIPE/);
  }, 240_000);

  it('get --out prints metadata only; get of a deleted file reports it (deleted: true, exit 4)', async () => {
    const path = join(tmp, 'note.txt');
    writeFileSync(path, 'kept in a file\n');
    const id = lastJson<{ id: string }>((await cli('olga', 'put', path, '--json')).stdout).id;
    const dest = join(tmp, 'note.copy');
    const saved = await cli('olga', 'get', id, '--out', dest, '--json');
    expect(saved.code, saved.stderr).toBe(0);
    expect(readFileSync(dest, 'utf8')).toBe('kept in a file\n');
    const meta = lastJson<Record<string, unknown>>(saved.stdout);
    expect(meta).toMatchObject({ id, version: 1, name: 'note.txt', size: 15, out: dest, deleted: false });
    expect(meta).not.toHaveProperty('content');

    expect((await cli('olga', 'rm', id)).code).toBe(0);
    const asJson = await cli('olga', 'get', id, '--json');
    expect(asJson.code).toBe(4);
    expect(lastJson(asJson.stdout)).toMatchObject({ id, version: 2, deleted: true });
    const plain = await cli('olga', 'get', id);
    expect(plain.code).toBe(4);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toMatch(/^craft-sync: NotFound: .*was deleted at v2/m);
  }, 120_000);

  it('a failed login (wrong password, server down) leaves the previous session working', async () => {
    const before = lastJson<{ sub: string }>((await cli('olga', 'whoami', '--json')).stdout);
    const wrong = await cli('olga', 'login', 'olga@example.com', '--config', stack.runtime.amplifyConfigPath, '--password', 'not-the-password');
    expect(wrong.code, wrong.stderr).toBe(3);
    expect(lastJson<{ sub: string }>((await cli('olga', 'whoami', '--json')).stdout)).toEqual(before);
    expect((await cli('olga', 'ls')).code).toBe(0);

    // The same server's configuration with every endpoint on a port nobody listens on.
    const port = await closedPort();
    const deadDir = join(tmp, 'dead');
    mkdirSync(deadDir);
    const deadConfig = join(deadDir, 'amplify-config.json');
    writeFileSync(deadConfig, readFileSync(stack.runtime.amplifyConfigPath, 'utf8').replace(/(127\.0\.0\.1|localhost):\d+/g, `127.0.0.1:${port}`));
    const down = await cli('olga', 'login', 'olga@example.com', '--config', deadConfig);
    expect(down.code, down.stderr).toBe(8);
    expect(lastJson<{ sub: string }>((await cli('olga', 'whoami', '--json')).stdout)).toEqual(before);
    const ls = await cli('olga', 'ls', '--json');
    expect(ls.code, ls.stderr).toBe(0); // still the real server's config, still signed in
  }, 120_000);

  it('sync <dir> skips a dangling symlink and one pointing outside (one warning each) and syncs everything else; a missing path is refused', async () => {
    const missing = join(tmp, 'no-such-folder');
    const refused = await cli('olga-laptop', 'sync', missing);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--create');
    expect(existsSync(missing)).toBe(false);

    const outside = join(tmp, 'outside-secret.txt');
    writeFileSync(outside, 'must never be uploaded\n');
    const d1 = join(tmp, 'links1');
    const d2 = join(tmp, 'links2');
    mkdirSync(d1);
    writeFileSync(join(d1, 'a.txt'), 'alpha\n');
    writeFileSync(join(d1, 'b.txt'), 'beta\n');
    symlinkSync(join(tmp, 'nothing-here'), join(d1, 'dangling'));
    symlinkSync(outside, join(d1, 'escape'));
    let log1 = '';
    const s1 = spawn(process.execPath, args('olga-laptop', ['sync', d1, '--interval', '200']), { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(s1);
    s1.stdout!.on('data', (d: Buffer) => (log1 += d.toString()));
    s1.stderr!.on('data', (d: Buffer) => (log1 += d.toString()));
    // --create makes the second folder.
    const s2 = spawn(process.execPath, args('olga-desktop', ['sync', d2, '--interval', '200', '--create']), { stdio: 'ignore' });
    children.push(s2);
    const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : undefined);
    await waitFor(
      () => read(join(d2, 'a.txt')) === 'alpha\n' && read(join(d2, 'b.txt')) === 'beta\n',
      'the normal files to reach the other folder',
      () => log1,
      60_000,
    );
    // Many scans later (a new file made it across), the sync still runs and warned once per link.
    writeFileSync(join(d1, 'c.txt'), 'gamma\n');
    await waitFor(
      () => read(join(d2, 'c.txt')) === 'gamma\n',
      'a later file to reach the other folder',
      () => log1,
      60_000,
    );
    expect(log1.match(/skipping dangling: a symlink/g)?.length, log1).toBe(1);
    expect(log1.match(/skipping escape: a symlink/g)?.length, log1).toBe(1);
    const names = lastJson<Array<{ name: string }>>((await cli('olga', 'ls', '--json')).stdout).map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['a.txt', 'b.txt', 'c.txt']));
    expect(names).not.toContain('dangling');
    expect(names).not.toContain('escape');
    expect(existsSync(join(d2, 'escape'))).toBe(false);
    expect(existsSync(join(d2, 'dangling'))).toBe(false);
    for (const c of [s1, s2]) c.kill('SIGTERM');
  }, 180_000);
});

function closedPort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });
}
