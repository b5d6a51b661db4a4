/**
 * What `craft-sync sync <dir>` costs, with the real CLI processes against the real local runtime:
 * - idle: CPU of the sync process tree over a window in which nothing changes, with N files in the
 *   folder, and how often it rewrites `.craft-sync/index.json` meanwhile; baseline, same window: an idle
 *   Node process (a bare timer), what any resident Node process costs on this machine;
 * - memory: resident set of the sync process tree against the folder's size, beside the idle Node's;
 * - latency: a one-line edit in that folder until a second user's folder (one `sync` of its own, the
 *   file shared with them) holds it, p50 / p99; baseline: the same edits reaching the owner's
 *   `craft-sync watch --json` (a subscription and the sync engine, no folder).
 * CPU and memory are read from /proc (utime + stime, VmRSS), summed over the process tree: Linux only.
 * Run: npx tsx bench/dirsync.ts [files=1000] [seconds=60] [kbPerFile=20] [edits=30]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApi, createSession, fromAmplifyConfig } from '../client/sdk/index.ts';
import { api as craftSync } from '../infra/api.ts';
import { PASSWORD, startStack } from '../test/e2e/harness.ts';

const files = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 60);
const kbPerFile = Number(process.argv[4] ?? 20);
const edits = Number(process.argv[5] ?? 30);
const BIN = resolve('client/cli/craft-sync.mjs');
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function descendants(pid: number): number[] {
  const out = [pid];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(/\s+/) : []) out.push(...descendants(Number(k)));
    }
  } catch {
    // the process ended
  }
  return out;
}

/** CPU seconds (user + system) used so far by `pid` and its descendants. */
function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of descendants(pid)) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    } catch {
      // gone between listing and reading
    }
  }
  return ticks / TICKS_PER_SECOND;
}

/** Resident memory (MiB) of `pid` and its descendants. */
function rssMiB(pid: number): number {
  let kb = 0;
  for (const p of descendants(pid)) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone between listing and reading
    }
  }
  return kb / 1024;
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stack = await startStack(craftSync);
const tmp = mkdtempSync(join(tmpdir(), 'craft-sync-bench-dirsync-'));
const procs: ChildProcess[] = [];
try {
  await stack.runtime.cognito!.createUser({ email: 'bench@example.com', password: PASSWORD });
  const profile = join(tmp, 'profile');
  const login = spawn(process.execPath, [BIN, '--profile', profile, 'login', 'bench@example.com', '--password', PASSWORD, '--config', stack.runtime.amplifyConfigPath], { stdio: 'inherit' });
  if ((await new Promise<number | null>((r) => login.on('exit', r))) !== 0) throw new Error('login failed');
  const dir = join(tmp, 'folder');
  mkdirSync(dir);
  const line = 'the quick brown fox jumps over the lazy dog 0123456789\n';
  for (let i = 0; i < files; i++) writeFileSync(join(dir, `file-${String(i).padStart(4, '0')}.txt`), `${i}\n${line.repeat(Math.ceil((kbPerFile * 1024) / line.length))}`);

  let log = '';
  const sync = spawn(process.execPath, [BIN, '--profile', profile, 'sync', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(sync);
  sync.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  sync.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const pushed = () => log.match(/pushed new /g)?.length ?? 0;
  const t0 = Date.now();
  while (pushed() < files) {
    if (Date.now() - t0 > 900_000) throw new Error(`only ${pushed()} of ${files} files pushed in 900 s:\n${log.slice(-2000)}`);
    await sleep(250);
  }
  console.log(`initial upload of ${files} files: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await sleep(3000); // let the last edits and index writes settle

  const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  procs.push(idle);
  await sleep(500);
  const indexPath = join(dir, '.craft-sync', 'index.json');
  let writes = 0;
  let lastMtime = statSync(indexPath).mtimeMs;
  const syncCpu0 = cpuSeconds(sync.pid!);
  const idleCpu0 = cpuSeconds(idle.pid!);
  const start = Date.now();
  while (Date.now() - start < seconds * 1000) {
    await sleep(100);
    const m = existsSync(indexPath) ? statSync(indexPath).mtimeMs : lastMtime;
    if (m !== lastMtime) writes += 1;
    lastMtime = m;
  }
  const wall = (Date.now() - start) / 1000;
  const syncCpu = cpuSeconds(sync.pid!) - syncCpu0;
  const idleCpu = cpuSeconds(idle.pid!) - idleCpu0;
  const pct = (cpu: number) => `${((cpu / wall) * 100).toFixed(2)} %`;
  console.log(`idle window: ${wall.toFixed(1)} s, ${files} files of ~${kbPerFile} KB`);
  console.log(`sync process tree CPU: ${syncCpu.toFixed(2)} s = ${pct(syncCpu)} of a core`);
  console.log(`baseline (idle node process) CPU: ${idleCpu.toFixed(2)} s = ${pct(idleCpu)} of a core`);
  console.log(`index.json rewrites seen (100 ms sampling): ${writes}; its size ${statSync(indexPath).size} bytes`);
  const folderMiB = (files * (kbPerFile + 0.1)) / 1024;
  const syncRss = rssMiB(sync.pid!);
  const idleRss = rssMiB(idle.pid!);
  console.log(
    `memory: sync process tree ${syncRss.toFixed(0)} MiB for a folder of ~${folderMiB.toFixed(1)} MiB (${(syncRss / folderMiB).toFixed(2)}x the folder); idle node ${idleRss.toFixed(0)} MiB (${(syncRss / idleRss).toFixed(1)}x)`,
  );

  // Latency: one file shared with a second user, who syncs a folder of their own.
  await stack.runtime.cognito!.createUser({ email: 'bench-b@example.com', password: PASSWORD });
  const ownerSession = createSession(fromAmplifyConfig(stack.runtime.amplifyConfig));
  await ownerSession.signIn('bench@example.com', PASSWORD);
  const otherSession = createSession(fromAmplifyConfig(stack.runtime.amplifyConfig));
  await otherSession.signIn('bench-b@example.com', PASSWORD);
  const target = 'file-0000.txt';
  const targetId = (JSON.parse(readFileSync(indexPath, 'utf8')) as { files: Record<string, { id: string }> }).files[target]!.id;
  await createApi(ownerSession).shareFile({ fileId: targetId, userId: (await otherSession.currentUser()).sub, role: 'EDITOR' });
  const profileB = join(tmp, 'profile-b');
  const loginB = spawn(process.execPath, [BIN, '--profile', profileB, 'login', 'bench-b@example.com', '--password', PASSWORD, '--config', stack.runtime.amplifyConfigPath], { stdio: 'inherit' });
  if ((await new Promise<number | null>((r) => loginB.on('exit', r))) !== 0) throw new Error('login failed');
  const dirB = join(tmp, 'folder-b');
  mkdirSync(dirB);
  const syncB = spawn(process.execPath, [BIN, '--profile', profileB, 'sync', dirB], { stdio: 'ignore' });
  procs.push(syncB);
  const pathA = join(dir, target);
  const pathB = join(dirB, target);
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : undefined);
  while (read(pathB) !== read(pathA)) await sleep(50);
  // Baseline: the same changes as the owner's `watch --json` prints them (a subscription and the sync
  // engine, no folder), keyed by the content's length, which every edit below makes unique.
  const arrived = new Map<number, number>();
  const watcher = spawn(process.execPath, [BIN, '--profile', profile, 'watch', targetId, '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
  procs.push(watcher);
  let pending = '';
  watcher.stdout!.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const l of lines) arrived.set((JSON.parse(l) as { length: number }).length, Date.now());
  });
  await sleep(5000); // subscribed
  const folderMs: number[] = [];
  const eventMs: number[] = [];
  for (let i = 0; i < edits; i++) {
    const next = `${read(pathA)}edit ${i}\n`;
    const t = Date.now();
    writeFileSync(pathA, next);
    while (read(pathB) !== next) {
      if (Date.now() - t > 60_000) throw new Error(`edit ${i} did not reach the other folder in 60 s`);
      await sleep(5);
    }
    folderMs.push(Date.now() - t);
    await sleep(200);
    if (arrived.has(next.length)) eventMs.push(arrived.get(next.length)! - t);
  }
  watcher.kill('SIGTERM');
  const p = (xs: number[], q: number) => (xs.length ? quantile(xs, q) : NaN);
  console.log(`edit to the other folder (${edits} edits): p50 ${p(folderMs, 0.5)} ms, p99 ${p(folderMs, 0.99)} ms`);
  console.log(`baseline, the same edits reaching the owner's \`watch --json\` (${eventMs.length} seen): p50 ${p(eventMs, 0.5)} ms, p99 ${p(eventMs, 0.99)} ms`);
  console.log(`ratio folder / watch: p50 ${(p(folderMs, 0.5) / p(eventMs, 0.5)).toFixed(2)}x, p99 ${(p(folderMs, 0.99) / p(eventMs, 0.99)).toFixed(2)}x`);
  await ownerSession.signOut();
  await otherSession.signOut();
} finally {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
  await sleep(1000);
  await stack.stop();
  rmSync(tmp, { recursive: true, force: true });
}
