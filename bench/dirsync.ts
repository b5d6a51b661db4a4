/**
 * What an idle `craft-sync sync <dir>` costs: the CPU of the real CLI process (and its re-exec'd child)
 * over a window in which nothing changes, with N files in the folder, and how often it rewrites
 * `.craft-sync/index.json` meanwhile. Baseline, same run and same window: an idle Node process (a bare
 * timer), i.e. what any resident Node process costs on this machine.
 * CPU is read from /proc/<pid>/stat (utime + stime, the counters process.cpuUsage() reports), summed
 * over the process tree: Linux only.
 * Run: npx tsx bench/dirsync.ts [files=100] [seconds=20] [kbPerFile=20]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { api as craftSync } from '../infra/api.ts';
import { PASSWORD, startStack } from '../test/e2e/harness.ts';

const files = Number(process.argv[2] ?? 100);
const seconds = Number(process.argv[3] ?? 20);
const kbPerFile = Number(process.argv[4] ?? 20);
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
    if (Date.now() - t0 > 300_000) throw new Error(`only ${pushed()} of ${files} files pushed in 300 s:\n${log.slice(-2000)}`);
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
} finally {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
  await sleep(1000);
  await stack.stop();
  rmSync(tmp, { recursive: true, force: true });
}
