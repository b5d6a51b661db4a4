import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Runs a command under a tiny Node "guard" process so that the command never outlives us.
 *
 * The guard holds the read end of a pipe whose only writer is this process. However this
 * process ends — normal exit, a signal, a crash, even SIGKILL — the kernel closes that pipe, the
 * guard sees end-of-file on stdin and kills the command. (Java has no such hook of its own, and
 * Linux's PDEATHSIG is not reachable from Node.)
 *
 * The guard is plain JavaScript run with `node -e`, so it starts in a few tens of milliseconds
 * without a TypeScript loader. It reports the command's pid on fd 3 and exits with its code.
 */
const GUARD_SOURCE = `
const { spawn } = require('node:child_process');
const { writeSync } = require('node:fs');
const spec = JSON.parse(process.env.LOCAL_APPSYNC_GUARD_SPEC);
const report = (m) => { try { writeSync(3, JSON.stringify(m) + '\\n'); } catch {} };
const child = spawn(spec.command, spec.args, { cwd: spec.cwd, stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  try { child.kill('SIGTERM'); } catch {}
  setTimeout(() => { try { child.kill('SIGKILL'); } catch {} }, spec.graceMs).unref();
};
child.on('spawn', () => report({ pid: child.pid }));
child.on('error', (e) => { report({ error: e.message }); process.exit(127); });
// Exit as a shell would: the command's code, or 128 + the signal's number.
child.on('exit', (code, signal) => process.exit(code ?? 128 + (require('node:os').constants.signals[signal] ?? 0)));
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, stop);
`;

export interface GuardedProcess {
  /** The guard's own pid. */
  readonly guardPid: number;
  /** The command's pid, once it has started. */
  readonly pid: Promise<number>;
  /** Resolves when the guard has exited, which it does right after the command; code as a shell gives it. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /**
   * Let this process exit although the command still runs (a long-lived service whose owner may
   * never call stop): the exit closes the pipe and the guard cleans up.
   */
  unref(): void;
  /** Ask the command to stop (SIGTERM, then SIGKILL after the grace period) and wait for it. */
  stop(): Promise<void>;
}

export interface GuardOptions {
  command: string;
  args: string[];
  cwd?: string;
  /** Each chunk of the command's stdout and stderr. */
  onOutput?: (text: string) => void;
  /** Time between SIGTERM and SIGKILL when stopping. */
  graceMs?: number;
  env?: NodeJS.ProcessEnv;
}

export function spawnGuarded(opts: GuardOptions): GuardedProcess {
  const spec = { command: opts.command, args: opts.args, cwd: opts.cwd, graceMs: opts.graceMs ?? 3000 };
  const guard: ChildProcess = spawn(process.execPath, ['-e', GUARD_SOURCE], {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    env: { ...(opts.env ?? process.env), LOCAL_APPSYNC_GUARD_SPEC: JSON.stringify(spec) },
  });
  const onOutput = opts.onOutput ?? (() => {});
  guard.stdout?.setEncoding('utf8').on('data', onOutput);
  guard.stderr?.setEncoding('utf8').on('data', onOutput);

  let resolvePid!: (pid: number) => void;
  let rejectPid!: (e: Error) => void;
  const pid = new Promise<number>((res, rej) => {
    resolvePid = res;
    rejectPid = rej;
  });
  pid.catch(() => {});
  const control = guard.stdio[3] as NodeJS.ReadableStream | null;
  let buffered = '';
  control?.setEncoding('utf8');
  control?.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const msg = JSON.parse(line) as { pid?: number; error?: string };
      if (msg.pid) resolvePid(msg.pid);
      if (msg.error) rejectPid(new Error(`cannot start ${opts.command}: ${msg.error}`));
    }
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    guard.on('exit', (code, signal) => {
      rejectPid(new Error(`${opts.command} exited before it started`));
      resolve({ code, signal });
    });
  });

  const setRef = (on: boolean) => {
    if (on) guard.ref();
    else guard.unref();
    for (const s of guard.stdio) (s as unknown as { ref?: () => void; unref?: () => void } | null)?.[on ? 'ref' : 'unref']?.();
  };

  return {
    unref: () => setRef(false),
    guardPid: guard.pid ?? -1,
    pid,
    exited,
    async stop() {
      setRef(true);
      guard.stdin?.end();
      await exited;
    },
  };
}
