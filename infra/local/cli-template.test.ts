/**
 * `npm start -- --template <file>` as a user runs it: an AppSync API from a synthesized template
 * (the to-do fixture of template/load.test.ts) served with one command, what it does not emulate
 * printed before it is ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql } from '../../test/e2e/harness.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'infra/local/cli.ts');
const template = join(root, 'infra/local/template/fixtures/todos/Todos.template.json');
const dataDir = mkdtempSync(join(tmpdir(), 'local-appsync-cli-template-'));

let child: ChildProcess;
let printed = '';

beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', cli, 'start', '--port', '0', '--in-memory', '--data-dir', dataDir, '--template', template], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => {
    printed += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (l) => {
      printed += `${l}\n`;
      if (l.includes(' token ')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${printed}`)));
  });
}, 120_000);

afterAll(() => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const field = (label: string): string => new RegExp(`${label}:\\s+(\\S+)`).exec(printed)?.[1] ?? '';

describe('npm start -- --template', () => {
  it('prints what the template holds that is not emulated', () => {
    expect(printed).toMatch(/template: TodoApi: additional authentication "OPENID_CONNECT" is not emulated/);
    expect(printed).toMatch(/template: not loaded \(no local counterpart\): AWS::AppSync::ApiKey, AWS::IAM::Role/);
  });

  it('names the API it serves, and builds and serves no browser app (the template declares none)', async () => {
    expect(printed).toMatch(/local AppSync runtime ready in \d+ ms, serving the API "todos-prod"/);
    // The generic runtime names no product of its own.
    expect(printed).not.toMatch(/craft.?sync/i);
    expect(printed).not.toContain('Browser app');
    const app = field('GraphQL \\(HTTP\\)').replace(/\/graphql$/, '/app/');
    expect((await fetch(app)).status).toBe(404);
  });

  it("serves the template's API with the printed API key", async () => {
    const url = field('GraphQL \\(HTTP\\)');
    const key = { 'x-api-key': field('API key') };
    const put = await gql(url, 'mutation { putTodo(input: { owner: "cli", id: "1", title: "from the CLI" }) { title description } }', {}, key);
    expect(put.body).toEqual({ data: { putTodo: { title: 'from the CLI', description: null } } });
    const got = await gql(url, 'query { getTodo(owner: "cli", id: "1") { title } }', {}, key);
    expect(got.body).toEqual({ data: { getTodo: { title: 'from the CLI' } } });
  });
});

describe('npm start -- --in-memory without --data-dir', () => {
  it('keeps its files in a temporary directory, serves, and removes the directory when stopped', async () => {
    const other = spawn(process.execPath, ['--import', 'tsx', cli, 'start', '--port', '0', '--in-memory', '--template', template], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    other.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: other.stdout! }).on('line', (l) => {
          out += `${l}\n`;
          if (l.includes(' token ')) resolve();
        });
        other.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
      });
      const dir = /Data directory:\s+(\S+)/.exec(out)![1]!;
      expect(dir.startsWith(join(tmpdir(), 'local-appsync-in-memory-'))).toBe(true);
      expect(existsSync(join(dir, 'secrets.json'))).toBe(true);
      // The printed hints carry that directory, so the dev-user commands reach this stack.
      expect(out).toContain(`--data-dir ${dir}`);
      const url = /GraphQL \(HTTP\):\s+(\S+)/.exec(out)![1]!;
      const res = await gql(url, 'query { getTodo(owner: "nobody", id: "0") { id } }', {}, { 'x-api-key': /API key:\s+(\S+)/.exec(out)![1]! });
      expect(res.body).toEqual({ data: { getTodo: null } });
      const exited = new Promise((r) => other.once('exit', r));
      other.kill('SIGTERM');
      await exited;
      expect(existsSync(dir)).toBe(false);
    } finally {
      if (other.exitCode === null && other.signalCode === null) other.kill('SIGKILL');
    }
  }, 120_000);
});
