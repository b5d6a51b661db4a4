/** util.autoId / autoUlid / autoKsuid, from host randomness. */
import type { HostBridge } from './host.ts';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** KSUID epoch: 2014-05-13T16:53:20Z. */
const KSUID_EPOCH = 1_400_000_000;

export function uuidV4(host: HostBridge): string {
  const h = host.randomHex(16).split('');
  h[12] = '4';
  h[16] = '89ab'[parseInt(h[16] ?? '0', 16) & 3]!;
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

export function ulid(host: HostBridge, now: number): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i += 1) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const hex = host.randomHex(10);
  let rand = '';
  // 80 random bits -> 16 Crockford digits of 5 bits each.
  let bits = '';
  for (const c of hex) bits += parseInt(c, 16).toString(2).padStart(4, '0');
  for (let i = 0; i < 80; i += 5) rand += CROCKFORD[parseInt(bits.slice(i, i + 5), 2)]!;
  return time + rand;
}

export function ksuid(host: HostBridge, now: number): string {
  const ts = Math.floor(now / 1000) - KSUID_EPOCH;
  const hex = ts.toString(16).padStart(8, '0') + host.randomHex(16);
  // 20 bytes as a big integer in base 62, 27 digits.
  let n = BigInt(`0x${hex}`);
  let out = '';
  while (n > 0n) {
    out = BASE62[Number(n % 62n)]! + out;
    n /= 62n;
  }
  return out.padStart(27, '0');
}
