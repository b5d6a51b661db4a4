/**
 * What `craft-sync` says on stderr, against the real local runtime: no Amplify custom-endpoint
 * warning on every command; binary content refused on a terminal without --out; a server that
 * cannot be reached named, with what to do.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
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
  tmp = mkdtempSync(join(tmpdir(), 'craft-sync-cli-messages-'));
  await stack.runtime.cognito!.createUser({ email: 'pia@example.com', password: PASSWORD });
  const r = await cli('pia', 'login', 'pia@example.com', '--config', stack.runtime.amplifyConfigPath);
  if (r.code !== 0) throw new Error(`login failed: ${r.stderr}`);
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

/** The CLI on a pseudo-terminal (`script`), as a person runs it; stdout and stderr both come back in `out`. */
function tty(profile: string, ...a: string[]): Promise<{ code: number; out: Buffer }> {
  return new Promise((done) => {
    const cmd = [process.execPath, BIN, '--profile', join(tmp, profile), ...a].map((x) => `'${x.replace(/'/g, "'\\''")}'`).join(' ');
    const child = spawn('script', ['-qefc', cmd, '/dev/null'], { env: { ...process.env, CRAFT_SYNC_PASSWORD: PASSWORD } });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    child.on('exit', (code) => done({ code: code ?? -1, out: Buffer.concat(chunks) }));
  });
}

const json = <T>(s: string): T => JSON.parse(s.trim().split('\n').pop()!) as T;

function closedPort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });
}

describe('craft-sync messages', () => {
  it('prints no Amplify custom-endpoint warning (login, put, ls, whoami against the local issuer)', async () => {
    const path = join(tmp, 'quiet.txt');
    writeFileSync(path, 'quiet\n');
    const runs = [await cli('pia-2', 'login', 'pia@example.com', '--config', stack.runtime.amplifyConfigPath), await cli('pia', 'put', path), await cli('pia', 'ls'), await cli('pia', 'whoami')];
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/\[WARN\]|custom Amazon/);
    }
  });

  it('get of binary content on a terminal is refused without --out (exit 2, says --out); with --out, or piped, it is written', async () => {
    const src = join(tmp, 'blob.bin');
    const bytes = randomBytes(2048);
    bytes[0] = 0xff; // never valid UTF-8: stored as BASE64
    writeFileSync(src, bytes);
    const { id } = json<{ id: string }>((await cli('pia', 'put', src, '--json')).stdout);
    const refused = await tty('pia', 'get', id);
    expect(refused.code).toBe(2);
    const text = refused.out.toString('utf8');
    expect(text).toContain(`craft-sync: blob.bin (${id}) is binary: save it with --out FILE`);
    expect(text).toContain('usage: craft-sync get <id>');
    expect(refused.out.includes(bytes.subarray(0, 64))).toBe(false);

    const dest = join(tmp, 'blob.copy');
    const saved = await tty('pia', 'get', id, '--out', dest);
    expect(saved.code, saved.out.toString()).toBe(0);
    expect(readFileSync(dest).equals(bytes)).toBe(true);
    // A text file still prints on a terminal.
    const txt = join(tmp, 'hello.txt');
    writeFileSync(txt, 'hello terminal\n');
    const t = json<{ id: string }>((await cli('pia', 'put', txt, '--json')).stdout);
    const shown = await tty('pia', 'get', t.id);
    expect(shown.code).toBe(0);
    expect(shown.out.toString()).toContain('hello terminal');
  }, 120_000);

  it('a server that cannot be reached: the message names the endpoint and says to start the local stack (exit 8)', async () => {
    const port = await closedPort();
    const deadDir = join(tmp, 'dead');
    mkdirSync(deadDir);
    const deadConfig = join(deadDir, 'amplify-config.json');
    writeFileSync(deadConfig, readFileSync(stack.runtime.amplifyConfigPath, 'utf8').replace(/(127\.0\.0\.1|localhost):\d+/g, `127.0.0.1:${port}`));
    const login = await cli('pia-dead', 'login', 'pia@example.com', '--config', deadConfig);
    expect(login.code, login.stderr).toBe(8);
    const line = login.stderr.trim().split('\n').pop()!;
    expect(line).toMatch(/^craft-sync: Network: /);
    expect(line).toContain(`127.0.0.1:${port}`);
    expect(line).toContain(deadConfig);
    expect(line).toContain('npm start');

    // A signed-in profile whose server went away: the same, naming the profile's config.json.
    cpSync(join(tmp, 'pia'), join(tmp, 'pia-moved'), { recursive: true });
    const cfg = join(tmp, 'pia-moved', 'config.json');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(/(127\.0\.0\.1|localhost):\d+/g, `127.0.0.1:${port}`));
    const ls = await cli('pia-moved', 'ls');
    expect(ls.code, ls.stderr).toBe(8);
    const lsLine = ls.stderr.trim().split('\n').pop()!;
    expect(lsLine).toContain(`127.0.0.1:${port}`);
    expect(lsLine).toContain(cfg);
    expect(lsLine).toContain('npm start');
  }, 120_000);
});
