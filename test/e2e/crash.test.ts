/**
 * Crash safety: two editors write patches to ONE file through the SDK, each keeping its requestId
 * across retries, while the runtime (`npm start`'s process, DynamoDB Local its grandchild) is
 * SIGKILLed five times and restarted on the same data directory and port. Afterwards every
 * acknowledged write is in the log at the version it was acknowledged as, versions are contiguous,
 * replaying the log from version 1 gives the head, no requestId committed twice, and no process
 * of any of the six runs is left.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { applyText, diffText } from '../../client/patch/index.ts';
import { BusyError, ConflictError, NetworkError, createApi, createSession, loadConfigFile, toCraftSyncError, type Api, type FileChange } from '../../client/sdk/index.ts';
import { alive, cmdline, descendants, processesMentioning } from './procs.ts';
import { freePort } from '../../infra/local/services/ports.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'infra/local/cli.ts');
const dataDir = mkdtempSync(join(tmpdir(), 'craft-sync-crash-'));
const PASSWORD = 'Passw0rd!crash';
const KILLS = 5;
const WRITES_PER_ROUND = 6; // acknowledged writes (both writers together) between two kills
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let runtime: ChildProcess | undefined;
const everyPid = new Set<number>(); // the runtimes and every process under them, for the leftover check

afterAll(async () => {
  if (runtime && runtime.exitCode === null && runtime.signalCode === null) runtime.kill('SIGKILL');
  await waitGone([...everyPid]);
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts the runtime as `npm start` does, on the shared data directory; resolves when it is ready. */
async function start(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'start', '--port', String(port), '--data-dir', dataDir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  child.stderr!.on('data', (d: Buffer) => (printed += d.toString()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      printed += `${l}\n`;
      if (l.includes(' token ')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`the runtime exited (${code ?? signal}) before it was ready:\n${printed}`)));
  });
  everyPid.add(child.pid!);
  for (const p of descendants(child.pid!)) everyPid.add(p);
  return child;
}

async function waitGone(pids: number[], ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (pids.some(alive) && Date.now() < until) await sleep(100);
}

/** SIGKILLs the runtime and waits until its whole tree (the DynamoDB Local JVM included) is gone. */
async function kill(child: ChildProcess): Promise<void> {
  const tree = [child.pid!, ...descendants(child.pid!)];
  for (const p of tree) everyPid.add(p);
  expect(tree.some((p) => /DynamoDBLocal/.test(cmdline(p)))).toBe(true);
  child.kill('SIGKILL');
  await waitGone(tree);
  expect(tree.filter(alive).map((p) => `${p} ${cmdline(p)}`)).toEqual([]);
}

async function signedIn(email: string): Promise<Api> {
  const session = createSession(loadConfigFile(join(dataDir, 'amplify-config.json')));
  await session.signIn(email, PASSWORD);
  return createApi(session);
}

interface Ack {
  writer: string;
  requestId: string;
  version: number;
  line: string;
}

/**
 * One editor: appends its own numbered lines by patch on the head it knows (a stale one is moved over
 * the other's lines by the server). A NetworkError (the runtime died or is starting) or Busy is retried
 * with the SAME request (id and base); only a Conflict (this request did not commit) gets a new one.
 */
async function writer(name: string, api: Api, fileId: string, acks: Ack[], stats: { retried: Set<string>; errors: string[] }, stop: () => boolean): Promise<void> {
  let head = await api.getFile(fileId);
  for (let i = 0; !stop(); i++) {
    const line = `${name} ${i}\n`;
    let requestId = randomUUID();
    for (let attempt = 0; ; attempt++) {
      const content = head.content!;
      const next = content + line;
      try {
        const change: FileChange = await api.modifyFile({ id: fileId, baseVersion: head.version, patch: JSON.stringify(diffText(content, next)), sha256: sha(next), requestId });
        acks.push({ writer: name, requestId, version: change.version, line });
        // Committed on our base: the head is what we sent. Moved over the other writer's lines by the
        // server: read the head it made.
        if (change.version === head.version + 1) head = { ...head, version: change.version, content: next };
        else head = await fetchHead(api, fileId);
        break;
      } catch (e) {
        const err = toCraftSyncError(e);
        if (err instanceof NetworkError || err instanceof BusyError) {
          stats.retried.add(requestId);
          if (attempt > 400) throw new Error(`${name}: the runtime did not come back (${err.message})`);
          await sleep(50);
          continue;
        }
        if (err instanceof ConflictError) {
          head = await fetchHead(api, fileId);
          requestId = randomUUID();
          continue;
        }
        stats.errors.push(`${name}: ${err.name} ${err.message}`);
        throw err;
      }
    }
  }
}

/** getFile, retried while the runtime is down. */
async function fetchHead(api: Api, fileId: string) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await api.getFile(fileId);
    } catch (e) {
      if (!(toCraftSyncError(e) instanceof NetworkError) || attempt > 400) throw e;
      await sleep(50);
    }
  }
}

describe('crash safety', () => {
  it(`SIGKILLing the runtime ${KILLS} times under two editors on one file loses no acknowledged write and commits no request twice`, async () => {
    const port = await freePort();
    runtime = await start(port);
    const run = promisify(execFile);
    const user = async (email: string) =>
      JSON.parse((await run(process.execPath, ['--import', 'tsx', cli, 'user', 'add', email, PASSWORD, '--data-dir', dataDir], { cwd: root })).stdout) as { sub: string };
    await user('ann@example.com');
    const ben = await user('ben@example.com');
    const ann = await signedIn('ann@example.com');
    const benApi = await signedIn('ben@example.com');
    const first = 'shared log\n';
    const inserted = await ann.insertFile({ name: 'crash.txt', contentType: 'text/plain', content: first, sha256: sha(first) });
    await ann.shareFile({ fileId: inserted.fileId, userId: ben.sub, role: 'EDITOR' });

    const acks: Ack[] = [];
    const stats = { retried: new Set<string>(), errors: [] as string[] };
    let stopping = false;
    const writers = Promise.all([writer('ann', ann, inserted.fileId, acks, stats, () => stopping), writer('ben', benApi, inserted.fileId, acks, stats, () => stopping)]);
    writers.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile

    const until = async (n: number) => {
      const end = Date.now() + 60_000;
      while (acks.length < n && stats.errors.length === 0 && Date.now() < end) await sleep(20);
      expect(stats.errors).toEqual([]);
      expect(acks.length).toBeGreaterThanOrEqual(n);
    };
    for (let k = 1; k <= KILLS; k++) {
      await until(k * WRITES_PER_ROUND);
      await kill(runtime); // mid-load: both writers have a request in flight or about to be
      runtime = await start(port);
    }
    await until((KILLS + 1) * WRITES_PER_ROUND);
    stopping = true;
    await writers;
    expect(stats.errors).toEqual([]);

    // The log, replayed from version 1, page by page.
    const log: FileChange[] = [];
    let nextToken: string | null | undefined;
    do {
      const page = await ann.getFileChanges(inserted.fileId, 0, { limit: 100, nextToken });
      log.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    const head = await ann.getFile(inserted.fileId);
    expect(log.map((c) => c.version)).toEqual(Array.from({ length: head.version }, (_, i) => i + 1));
    let replayed = '';
    for (const c of log) {
      replayed = c.patch != null ? applyText(JSON.parse(c.patch), replayed) : c.content!;
      expect(sha(replayed), `sha256 of version ${c.version}`).toBe(c.sha256);
    }
    expect(replayed).toBe(head.content);
    expect(head.sha256).toBe(sha(head.content!));

    // Every acknowledged write is in the log at its version, with its requestId; none twice.
    const byVersion = new Map(log.map((c) => [c.version, c]));
    for (const a of acks) expect(byVersion.get(a.version)?.requestId, `${a.writer}'s ${a.line.trim()}`).toBe(a.requestId);
    const ids = log.slice(1).map((c) => c.requestId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const a of acks) expect(head.content!.split('\n').filter((l) => `${l}\n` === a.line)).toHaveLength(1);
    // Writes retried across a kill (in flight or refused) landed at most once; those acknowledged exactly once.
    expect(stats.retried.size).toBeGreaterThan(0);
    for (const id of stats.retried) expect(ids.filter((x) => x === id).length).toBeLessThanOrEqual(1);
    for (const a of acks.filter((x) => stats.retried.has(x.requestId))) expect(ids.filter((x) => x === a.requestId)).toHaveLength(1);
    // Every line in the file is an acknowledged write (nothing committed that its writer gave up on).
    expect(head.content!.split('\n').filter(Boolean).length).toBe(1 + acks.length);

    // No process of any run is left: by pid, and by the data directory in any command line (the JVM's -dbPath).
    await kill(runtime);
    await waitGone([...everyPid]);
    expect([...everyPid].filter(alive).map((p) => `${p} ${cmdline(p)}`)).toEqual([]);
    expect(processesMentioning(dataDir).map((p) => `${p} ${cmdline(p)}`)).toEqual([]);
  }, 240_000);
});
