import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, existsSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CreateTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from './dynamodb-local.ts';
import { exists } from './stale.ts';
import { listeningSockets } from '../../../test/e2e/listening-sockets.ts';

const parentScript = fileURLToPath(new URL('./fixtures/ddb-parent.ts', import.meta.url));
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ddb-local-test-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs the fixture parent under tsx and reads the pids it prints. */
async function startParent(dataDir = '', mode = ''): Promise<{ parentPid: number; pid: number; guardPid: number; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', parentScript, dataDir, mode], { stdio: ['ignore', 'pipe', mode === 'crash' ? 'ignore' : 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`parent exited with ${code}`)));
  });
  child.stdout.destroy();
  child.unref();
  return { parentPid: child.pid ?? -1, ...(JSON.parse(line) as { pid: number; guardPid: number; port: number }) };
}

/** The absolute path of a command on PATH. */
function commandPath(command: string): string {
  const found = (process.env.PATH ?? '')
    .split(':')
    .map((d) => join(d, command))
    .find((p) => existsSync(p));
  if (!found) throw new Error(`${command} is not on PATH`);
  return found;
}

async function gone(pid: number, withinMs = 15_000): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (!exists(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !exists(pid);
}

describe('startDynamoDbLocal', () => {
  it('starts in memory, answers, and stops without leaving the JVM behind', async () => {
    const t0 = performance.now();
    const ddb = await startDynamoDbLocal();
    // Measured, not asserted: the machine is shared and noisy.
    console.log(`DynamoDB Local cold start to first ListTables: ${Math.round(performance.now() - t0)} ms`);
    expect(ddb.endpoint).toBe(`http://127.0.0.1:${ddb.port}`);
    await ddb.client.send(
      new CreateTableCommand({
        TableName: 'probe',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    expect((await ddb.client.send(new ListTablesCommand({}))).TableNames).toEqual(['probe']);
    expect(exists(ddb.pid)).toBe(true);
    // Bound to loopback only, as the system sees it (DynamoDB Local alone would listen on every interface).
    expect(listeningSockets([ddb.pid]).map((s) => `${s.address}:${s.port}`)).toEqual([`127.0.0.1:${ddb.port}`]);
    await ddb.stop();
    expect(await gone(ddb.pid)).toBe(true);
    await ddb.stop(); // idempotent
  });

  it('kills the JVM when its parent process is SIGKILLed', async () => {
    const { parentPid, pid } = await startParent();
    expect(exists(pid)).toBe(true);
    process.kill(parentPid, 'SIGKILL');
    expect(await gone(pid)).toBe(true);
  });

  it('kills the JVM when its parent dies of an uncaught exception', async () => {
    const { parentPid, pid } = await startParent('', 'crash');
    expect(exists(pid)).toBe(true);
    expect(await gone(parentPid)).toBe(true);
    expect(await gone(pid)).toBe(true);
  });

  it('kills a stale instance recorded in the data dir, then serves the same data', async () => {
    const dataDir = tempDir();
    const first = await startParent(dataDir);
    const ddb1 = await import('./dynamodb-local.ts').then((m) => m.localDynamoDbClient(`http://127.0.0.1:${first.port}`));
    await ddb1.send(
      new CreateTableCommand({
        TableName: 'kept',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    ddb1.destroy();
    // While its owner lives, the directory is not ours to take.
    await expect(startDynamoDbLocal({ dataDir })).rejects.toThrow(/is in use by DynamoDB Local/);
    // Kill the guard first, then its parent: the JVM is orphaned, as after a crash of both.
    process.kill(first.guardPid, 'SIGKILL');
    process.kill(first.parentPid, 'SIGKILL');
    await gone(first.parentPid);
    expect(exists(first.pid)).toBe(true);

    const second = await startDynamoDbLocal({ dataDir });
    try {
      expect(await gone(first.pid)).toBe(true);
      expect((await second.client.send(new ListTablesCommand({}))).TableNames).toEqual(['kept']);
      expect(existsSync(join(dataDir, 'dynamodb-local.pid'))).toBe(true);
    } finally {
      await second.stop();
    }
    expect(existsSync(join(dataDir, 'dynamodb-local.pid'))).toBe(false);
  });

  it('treats an exit before ready as a failure and reports the output', async () => {
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, r));
    const port = (server.address() as { port: number }).port;
    try {
      await expect(startDynamoDbLocal({ port })).rejects.toThrow(/DynamoDB Local exited \(code \d+\) before it was ready[\s\S]*(Address already in use|BindException|Exception)/);
    } finally {
      server.close();
    }
  });

  it('says plainly that it needs a JDK when javac is missing', async () => {
    // A JAVA_HOME with only `java` (a JRE) and a fresh temp dir, so no launcher compiled earlier is found.
    const javaHome = tempDir();
    mkdirSync(join(javaHome, 'bin'));
    const java = commandPath('java');
    symlinkSync(java, join(javaHome, 'bin', 'java'));
    const saved = { JAVA_HOME: process.env.JAVA_HOME, TMPDIR: process.env.TMPDIR };
    process.env.JAVA_HOME = javaHome;
    process.env.TMPDIR = tempDir();
    try {
      await expect(startDynamoDbLocal()).rejects.toThrow(/needs a Java 17\+ JDK, not only a JRE: `.*javac` was not found[\s\S]*openjdk-17-jdk-headless/);
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });

  it('refuses a relative data dir', async () => {
    await expect(startDynamoDbLocal({ dataDir: 'relative/dir' })).rejects.toThrow(/absolute/);
  });
});
