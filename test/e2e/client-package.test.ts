/**
 * The client as an app installs it: `npm pack` of client/ (its prepack compiles it to dist/ with
 * .d.ts), the tarball installed into a throwaway app outside the repository (`npm install
 * --prefer-offline`: dependencies come from npm's cache, the registry only for what the cache lacks),
 * then a plain .mjs script of that app uses the SDK and the sync engine against the local stack, the
 * app's TypeScript compiles against the shipped types, the browser condition resolves the Web-only
 * entry, and the `craft-sync` bin — compiled JavaScript, no tsx — signs in and reads the file back.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../infra/api.ts';
import { PASSWORD, startStack, type TestStack } from './harness.ts';

const run = promisify(execFile);
const CLIENT = resolve('client');
const EMAIL = 'packaged@example.com';

let stack: TestStack;
let tmp: string;
let app: string;
let configPath: string;

/** Runs a command in the app; stdout, stderr and the exit code (never throws on a non-zero exit). */
async function inApp(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd: app, env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** stderr without Amplify's notice that the (local) user-pool endpoint is a custom one. */
const unexpected = (stderr: string) => stderr.replace(/^\[WARN\] [\d:.]+ Auth - You are using a custom Amazon .*\n/gm, '');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)));
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'craft-sync-package-'));
  app = join(tmp, 'app');
  const [s, packed] = await Promise.all([startStack(api), run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: CLIENT, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 })]);
  stack = s;
  await stack.tokenFor(EMAIL);
  configPath = join(stack.runtime.dataDir, 'amplify-config.json');
  const { filename } = (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!;
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'an-app', private: true, type: 'module' }));
  const installed = await inApp('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(tmp, filename)]);
  expect(installed.stderr.replace(/npm warn EBADENGINE[^\n]*\n?/g, '')).not.toMatch(/ERR!/);
  expect(installed.code).toBe(0);
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the installable client package', () => {
  it('ships compiled JavaScript with .d.ts and no TypeScript sources, outside the repository', () => {
    const pkg = join(app, 'node_modules/@craft-sync/client');
    expect(relative(resolve('.'), pkg).startsWith('..')).toBe(true);
    const files = filesUnder(pkg);
    expect(files).toContain('dist/sdk/index.js');
    expect(files).toContain('dist/sdk/index.d.ts');
    expect(files).toContain('dist/sync/browser.js');
    expect(files).toContain('dist/cli/craft-sync.js');
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => f.includes('.test.'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
    // The package pins what the repository tests with: the same exact versions as the root package.json.
    const root = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
    for (const [name, version] of Object.entries(manifest.dependencies)) expect({ name, version }).toEqual({ name, version: root.dependencies[name] });
  });

  it('a plain Node script of the app signs in, inserts, edits through the sync engine and reads back', async () => {
    writeFileSync(
      join(app, 'main.mjs'),
      `import { randomUUID } from 'node:crypto';
import { createApi, createSession, loadConfigFile, sha256Hex } from '@craft-sync/client';
import { memoryStore, openFile } from '@craft-sync/client/sync';
const [configPath, email, password] = process.argv.slice(2);
const session = createSession(loadConfigFile(configPath));
await session.signIn(email, password);
const api = createApi(session);
const id = randomUUID();
await api.insertFile({ id, name: 'from-an-app.txt', contentType: 'text/plain', content: 'hello', sha256: await sha256Hex('hello'), requestId: randomUUID() });
const file = await openFile(api, id, { store: memoryStore(), live: false });
file.edit('hello from an installed package');
await file.flush();
file.close();
const got = await api.getFile(id);
console.log(JSON.stringify({ id, version: got.version, content: got.content }));
process.exit(0);
`,
    );
    const out = await inApp(process.execPath, ['main.mjs', configPath, EMAIL, PASSWORD]);
    expect(unexpected(out.stderr)).toBe('');
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout) as { id: string; version: number; content: string };
    expect(result).toMatchObject({ version: 2, content: 'hello from an installed package' });
    // The server holds what the script wrote.
    const alice = await stack.tokenFor(EMAIL);
    const res = await fetch(stack.runtime.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: alice },
      body: JSON.stringify({ query: 'query($id: ID!) { getFile(id: $id) { version content } }', variables: { id: result.id } }),
    });
    expect(((await res.json()) as { data: unknown }).data).toEqual({ getFile: { version: 2, content: 'hello from an installed package' } });
  });

  it("the app's TypeScript compiles against the shipped types; a wrong call does not", async () => {
    const tsc = resolve('node_modules/typescript/bin/tsc');
    const flags = [
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--skipLibCheck',
      '--types',
      'node',
      '--typeRoots',
      resolve('node_modules/@types'),
    ];
    writeFileSync(
      join(app, 'typed.mts'),
      `import { createSession, NotFoundError, type Api } from '@craft-sync/client';
import { openFile, type SyncedFile } from '@craft-sync/client/sync';
export async function open(api: Api, id: string): Promise<SyncedFile> { return openFile(api, id, { live: false }); }
export const isMissing = (e: unknown): boolean => e instanceof NotFoundError;
export const make = createSession;
`,
    );
    const ok = await inApp(process.execPath, [tsc, ...flags, 'typed.mts']);
    expect(ok.stdout + ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    writeFileSync(join(app, 'wrong.mts'), `import { openFile } from '@craft-sync/client/sync';\nexport const f = openFile('not an api', 42);\n`);
    const wrong = await inApp(process.execPath, [tsc, ...flags, 'wrong.mts']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout).toMatch(/wrong\.mts.*error TS2345/);
  });

  it('resolves the Node entry by default and the Web-only entry under the browser condition', async () => {
    const probe = `const m = await import('@craft-sync/client'); const s = await import('@craft-sync/client/sync');
console.log(JSON.stringify({ loadConfigFile: typeof m.loadConfigFile, createSession: typeof m.createSession, fileStore: typeof s.fileStore, webStore: typeof s.webStore }));`;
    const node = await inApp(process.execPath, ['--input-type=module', '-e', probe]);
    expect(JSON.parse(node.stdout)).toEqual({ loadConfigFile: 'function', createSession: 'function', fileStore: 'function', webStore: 'function' });
    const browser = await inApp(process.execPath, ['--conditions=browser', '--input-type=module', '-e', probe]);
    // The browser entries leave out the file-backed (Node-only) parts.
    expect(JSON.parse(browser.stdout)).toEqual({ loadConfigFile: 'undefined', createSession: 'function', fileStore: 'undefined', webStore: 'function' });
  });

  it('the craft-sync bin runs as compiled JavaScript: login, get; dev says it needs a checkout', async () => {
    const bin = join(app, 'node_modules/.bin/craft-sync');
    const env = { CRAFT_SYNC_PASSWORD: PASSWORD, CRAFT_SYNC_HOME: join(tmp, 'home') };
    const login = await inApp(bin, ['login', EMAIL, '--config', configPath, '--json'], env);
    expect(unexpected(login.stderr)).toBe('');
    expect(login.code).toBe(0);
    const signedIn = JSON.parse(login.stdout) as { sub: string };
    expect(signedIn.sub).toMatch(/^[0-9a-f-]{36}$/);
    const whoami = await inApp(bin, ['whoami'], env);
    expect(whoami.stdout.trim()).toBe(signedIn.sub);
    const put = await inApp(bin, ['put', join(app, 'package.json'), '--json'], env);
    expect(put.code).toBe(0);
    const { id } = JSON.parse(put.stdout) as { id: string };
    const get = await inApp(bin, ['get', id], env);
    expect(get.code).toBe(0);
    expect(get.stdout).toBe(readFileSync(join(app, 'package.json'), 'utf8'));
    const dev = await inApp(bin, ['dev'], env);
    expect(dev.code).toBe(2);
    expect(dev.stderr).toContain('not part of the installed client: run it from a craft-sync checkout');
  });
});
