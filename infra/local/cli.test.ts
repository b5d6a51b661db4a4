/**
 * `npm start` as a user runs it (the CLI in its own process): what it prints, the dev-user commands
 * against the running stack, and that SIGKILLing it leaves no process behind (DynamoDB Local's JVM
 * included).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './net/testing.ts';
import { alive, cmdline, descendants } from '../../test/e2e/procs.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'infra/local/cli.ts');
const api = join(root, 'test/fixtures/notes-api/api.ts');
const dataDir = mkdtempSync(join(tmpdir(), 'craft-sync-cli-'));
const run = promisify(execFile);
const cliRun = (...args: string[]) => run(process.execPath, ['--import', 'tsx', cli, ...args, '--data-dir', dataDir], { cwd: root });

let child: ChildProcess;
let printed = '';

beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', cli, 'start', '--port', '0', '--in-memory', '--data-dir', dataDir, '--api', api], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
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

describe('npm start', () => {
  it('prints the GraphQL URL, the real-time URL, the Amplify config it wrote and how to get a dev token', () => {
    expect(field('GraphQL \\(HTTP\\)')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    expect(field('Real-time \\(wss\\)')).toBe(`${field('GraphQL \\(HTTP\\)').replace('http:', 'wss:')}/realtime`);
    const configPath = field('Amplify config');
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as { API?: { GraphQL?: { endpoint?: string } } };
    expect(config.API?.GraphQL?.endpoint).toBe(field('GraphQL \\(HTTP\\)'));
    // The Gen 2 file beside it: the same API and pool, and the issuer's endpoint as its one override.
    const outputs = JSON.parse(readFileSync(field('Amplify Gen 2'), 'utf8')) as { data: { url: string }; auth: { user_pool_id: string }; custom: { craft_sync: { user_pool_endpoint: string } } };
    expect(outputs.data.url).toBe(field('GraphQL \\(HTTP\\)'));
    expect(outputs.custom.craft_sync.user_pool_endpoint).toBe(field('Cognito issuer'));
    expect(printed).toContain(`pool ${outputs.auth.user_pool_id}`);
    expect(printed).toMatch(/npm run local-stack -- user add \S+ \S+/);
    expect(printed).toMatch(/npm run local-stack -- token \S+ \S+/);
  });

  it('builds the browser app and prints its URL on the same port, serving it with the config it wrote', async () => {
    const app = field('Browser app');
    expect(app).toBe(field('GraphQL \\(HTTP\\)').replace(/\/graphql$/, '/app/'));
    const page = await fetch(app);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="./app.js">');
    expect((await fetch(`${app}app.js`)).status).toBe(200);
    expect(await (await fetch(`${app}config.json`)).json()).toEqual(JSON.parse(readFileSync(field('Amplify config'), 'utf8')));
  });

  it('user add and token work against the running stack, and the token is accepted with its groups', async () => {
    const added = await cliRun('user', 'add', 'cli-admin@example.com', 'Passw0rd!cli', '--group', 'admins');
    expect(JSON.parse(added.stdout)).toMatchObject({ email: 'cli-admin@example.com', sub: expect.any(String), groups: ['admins'] });
    const token = (await cliRun('token', 'cli-admin@example.com', 'Passw0rd!cli')).stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const res = await fetch(field('GraphQL \\(HTTP\\)'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: token }, body: JSON.stringify({ query: '{ adminOnly }' }) });
    expect(await res.json()).toEqual({ data: { adminOnly: 'for admins' } });
    const wrong = await cliRun('token', 'cli-admin@example.com', 'wrong-password').then(
      () => null,
      (e: { code?: number; stderr?: string }) => e,
    );
    expect(wrong?.code).toBe(1);
    expect(wrong?.stderr).toMatch(/^error: /);
  }, 60_000);

  it('answers the requests that used to end the stack with 4xx, and keeps serving (DynamoDB Local included)', async () => {
    const port = Number(new URL(field('GraphQL \\(HTTP\\)')).port);
    const cognitoPort = Number(new URL(field('Cognito issuer')).port);
    const broken = await fetch(`${field('Browser app')}%E0%A4%A`);
    expect(broken.status).toBe(400);
    const invalidUrl = await rawRequest(port, 'POST http://[/graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}');
    expect(invalidUrl.status).toBe(400);
    expect(invalidUrl.text).toContain('MalformedHttpRequestException');
    const cognito = await rawRequest(cognitoPort, 'GET http://[/x HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(cognito.status).toBe(400);
    expect(child.exitCode).toBeNull();
    // Still up: the app, a GraphQL request that reaches DynamoDB Local, and the issuer.
    expect((await fetch(field('Browser app'))).status).toBe(200);
    const token = (await cliRun('token', 'cli-admin@example.com', 'Passw0rd!cli')).stdout.trim();
    const res = await fetch(field('GraphQL \\(HTTP\\)'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: token },
      body: JSON.stringify({ query: 'mutation { addNote(input: { board: "crash", title: "still here" }) { title } }' }),
    });
    expect(await res.json()).toEqual({ data: { addNote: { title: 'still here' } } });
    expect(printed).not.toMatch(/uncaught exception|unhandled rejection/);
  }, 60_000);

  it("the printed dev-user hints carry --data-dir, and run as printed they reach this stack's pool", async () => {
    const hint = (cmd: string) =>
      printed
        .split('\n')
        .find((l) => l.includes(`npm run local-stack -- ${cmd} `))!
        .split('#')[0]!
        .trim();
    for (const cmd of ['user add', 'token']) expect(hint(cmd)).toContain(` --data-dir ${dataDir}`);
    // What the user would paste, with `npm run local-stack --` as the CLI itself (npm runs it from the root).
    const args = (line: string) =>
      line
        .replace('npm run local-stack -- ', '')
        .split(/\s+/)
        .map((a) => a.replace(/^'|'$/g, ''))
        .map((a) => (a === 'alice@example.com' ? 'hint-user@example.com' : a));
    const asPrinted = (line: string) => run(process.execPath, ['--import', 'tsx', cli, ...args(line)], { cwd: root });
    expect(JSON.parse((await asPrinted(hint('user add'))).stdout)).toMatchObject({ email: 'hint-user@example.com' });
    const token = (await asPrinted(hint('token'))).stdout.trim();
    const res = await fetch(field('GraphQL \\(HTTP\\)'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: token },
      body: JSON.stringify({ query: '{ echo(text: "hi") }' }),
    });
    expect(await res.json()).toEqual({ data: { echo: 'hi' } });
  }, 60_000);

  it("amplify-outputs turns a CDK deploy's outputs file into amplify_outputs.json for Cognito itself", async () => {
    const cdk = join(dataDir, 'cdk-outputs.json');
    const out = join(dataDir, 'deployed_amplify_outputs.json');
    writeFileSync(
      cdk,
      JSON.stringify({ CraftSync: { GraphQLUrl: 'https://abc.appsync-api.eu-west-1.amazonaws.com/graphql', Region: 'eu-west-1', UserPoolId: 'eu-west-1_AbCdEf', UserPoolClientId: 'client1' } }),
    );
    await cliRun('amplify-outputs', cdk, '--out', out, '--api', api);
    const outputs = JSON.parse(readFileSync(out, 'utf8')) as Record<string, Record<string, unknown>>;
    expect(outputs.auth).toMatchObject({ aws_region: 'eu-west-1', user_pool_id: 'eu-west-1_AbCdEf', user_pool_client_id: 'client1' });
    expect(outputs.data).toMatchObject({
      url: 'https://abc.appsync-api.eu-west-1.amazonaws.com/graphql',
      default_authorization_type: 'AMAZON_COGNITO_USER_POOLS',
      authorization_types: ['API_KEY', 'AWS_IAM'],
    });
    expect(outputs.custom).toBeUndefined();
  });

  it('leaves no process behind when SIGKILLed (DynamoDB Local included)', async () => {
    const pids = descendants(child.pid!);
    expect(pids.some((p) => /DynamoDBLocal/.test(cmdline(p)))).toBe(true);
    child.kill('SIGKILL');
    const until = Date.now() + 20_000;
    while (pids.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(pids.filter(alive).map((p) => `${p} ${cmdline(p)}`)).toEqual([]);
    const after = await fetch(field('GraphQL \\(HTTP\\)'), { method: 'POST', body: '{}' }).then(
      () => 'answered',
      () => 'refused',
    );
    expect(after).toBe('refused');
  }, 30_000);
});
