import { readFileSync } from 'node:fs';

/**
 * Whether `pid` is a live process whose command line (or, for the guard, environment) contains
 * `marker` — so a recycled pid that now belongs to something else is never killed.
 */
export function isAlive(pid: number, marker: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !exists(pid)) return false;
  for (const what of ['cmdline', 'environ']) {
    try {
      if (readFileSync(`/proc/${pid}/${what}`, 'latin1').includes(marker)) return true;
    } catch {
      // No /proc (not Linux) or no permission: fall through.
    }
  }
  return false;
}

/** SIGKILL and wait (briefly, synchronously) until the process is gone. */
export function killStale(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  const until = Date.now() + 5000;
  while (Date.now() < until && exists(pid)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
}

/** Signal 0 says whether a pid exists; a zombie (dead, not yet reaped) counts as gone. */
export function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
