import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The TCP sockets in LISTEN state that processes hold, read from Linux's /proc (not from any config):
 * /proc/net/tcp{,6} lists every socket of the network namespace with its inode, and /proc/<pid>/fd
 * links name the inodes a process holds.
 */
export interface ListeningSocket {
  pid: number;
  address: string;
  port: number;
  family: 4 | 6;
}

const LISTEN = '0A';

/** `pid` and every process below it (the stack's guard and JVM are children of the runtime). */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      // Fields after the parenthesised command name: state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]!) ?? []));
  return tree;
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // The descriptor was closed while we looked.
    }
  }
  return inodes;
}

/** /proc/net/tcp writes each 32-bit word of an address in host (little-endian) byte order. */
function decodeAddress(hex: string): string {
  const bytes = hex.match(/.{8}/g)!.flatMap((w) =>
    w
      .match(/../g)!
      .reverse()
      .map((b) => parseInt(b, 16)),
  );
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  // The URL parser writes an IPv6 address in its canonical short form.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

export function listeningSockets(pids: number[]): ListeningSocket[] {
  const owner = new Map<string, number>();
  for (const pid of pids) for (const inode of socketInodes(pid)) owner.set(inode, pid);
  const out: ListeningSocket[] = [];
  for (const [file, family] of [
    ['/proc/net/tcp', 4],
    ['/proc/net/tcp6', 6],
  ] as const) {
    for (const line of readFileSync(file, 'latin1').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== LISTEN) continue;
      const pid = owner.get(f[9]!);
      if (pid === undefined) continue;
      const [addr, port] = f[1]!.split(':');
      out.push({ pid, address: decodeAddress(addr!), port: parseInt(port!, 16), family });
    }
  }
  return out;
}

/** Loopback as the issue means it: 127.0.0.1 or ::1 (and 127.0.0.1 seen through an IPv6 socket). */
export const isLoopback = (address: string) => ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(address);
