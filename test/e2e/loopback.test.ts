/**
 * Every socket the stack listens on is loopback only, read from the system (/proc), not from the
 * config: the runtime started as `npm start` starts it, its DynamoDB Local JVM and every other
 * process below it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { exists } from '../../infra/local/services/stale.ts';
import { isLoopback, listeningSockets, processTree } from './listening-sockets.ts';

const cli = fileURLToPath(new URL('../../infra/local/cli.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'craft-sync-loopback-'));
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child?.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts `cli.ts start` on free ports and resolves once it printed that it is ready. */
async function startCli(): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', cli, 'start', '--port', '0', '--data-dir', dataDir, '--in-memory'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CRAFT_SYNC_TEST_TLS_DIR: undefined },
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout! });
    lines.on('line', (l) => l.includes('runtime ready in') && resolve());
    proc.once('exit', (code) => reject(new Error(`the runtime exited (code ${code}) before it was ready:\n${stderr}`)));
  });
  return proc;
}

const portOf = (url: string) => Number(new URL(url).port);

describe('the listening sockets of the whole stack', () => {
  it('are all on 127.0.0.1 or ::1, DynamoDB Local included', async () => {
    child = await startCli();
    const info = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as {
      pid: number;
      graphqlUrl: string;
      cognito: { endpoint: string };
      dynamodb: string;
      s3: string;
      events: string;
    };
    expect(info.pid).toBe(child.pid);
    const tree = processTree(child.pid!);
    const jvm = tree.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('DynamoDBLocal.jar'));
    expect(jvm).toBeDefined();

    const sockets = listeningSockets(tree);
    // Every service the runtime names is found on the system, held by the process we expect.
    const held = (port: number) => sockets.filter((s) => s.port === port).map((s) => s.pid);
    expect(held(portOf(info.graphqlUrl))).toEqual([child.pid]);
    expect(held(portOf(info.cognito.endpoint))).toEqual([child.pid]);
    expect(held(portOf(info.s3))).toEqual([child.pid]);
    expect(held(portOf(info.events))).toEqual([child.pid]);
    expect(held(portOf(info.dynamodb))).toEqual([jvm]);

    const exposed = sockets.filter((s) => !isLoopback(s.address));
    expect(exposed).toEqual([]);
    expect(sockets.length).toBeGreaterThanOrEqual(5);

    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    // Nothing of the stack is left listening.
    for (const pid of tree) await waitGone(pid);
    expect(tree.filter(exists)).toEqual([]);
  }, 180_000);
});

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 300 && exists(pid); i++) await new Promise((r) => setTimeout(r, 50));
}
