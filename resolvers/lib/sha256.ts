import { util } from '@aws-appsync/utils';

/**
 * SHA-256 (FIPS 180-4) written for the APPSYNC_JS runtime, so the server knows the hash of every
 * version it commits instead of taking the writer's word. The runtime has no crypto, no typed arrays,
 * no charCodeAt and no C-style loops, so: bytes come from base64 (util.base64Encode is the one native
 * route to UTF-8), loops are for-of over arrays, and 32-bit arithmetic is `| 0` / `>>> 0`.
 * Cost: about 1,600 blocks for the 32 K inline limit of 3-byte characters, a few ms in the runtime.
 */
const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const HEX = '0123456789abcdef';
/** 63 zero bytes: the most padding a message can need before its length. */
const ZERO_FILL = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

function rotr(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}

/** The bytes of padded base64 (already checked to be base64 by the caller). */
function base64Bytes(b64: string): number[] {
  const value: Record<string, number> = {};
  let i = 0;
  for (const c of ALPHABET) {
    value[c] = i;
    i = i + 1;
  }
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const c of b64) {
    if (c === '=') break;
    acc = ((acc << 6) | (value[c] as number)) & 0xffffff;
    bits = bits + 6;
    if (bits >= 8) {
      bits = bits - 8;
      out.push((acc >>> bits) & 0xff);
    }
  }
  return out;
}

/** Compresses one 16-word block into the state `h` (in place). */
function compress(h: number[], block: number[]): void {
  const w = block.slice(0, 16);
  let a = h[0]!;
  let b = h[1]!;
  let c = h[2]!;
  let d = h[3]!;
  let e = h[4]!;
  let f = h[5]!;
  let g = h[6]!;
  let hh = h[7]!;
  let t = 0;
  for (const k of K) {
    if (t >= 16) {
      const w15 = w[t - 15]!;
      const w2 = w[t - 2]!;
      const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
      const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
      w.push((w[t - 16]! + s0 + w[t - 7]! + s1) | 0);
    }
    const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    // (e ^ -1) is NOT e: `~` is not APPSYNC_JS.
    const choose = (e & f) ^ ((e ^ -1) & g);
    const t1 = (hh + S1 + choose + k + w[t]!) | 0;
    const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
    t = t + 1;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
  h[5] = (h[5]! + f) | 0;
  h[6] = (h[6]! + g) | 0;
  h[7] = (h[7]! + hh) | 0;
}

/** SHA-256 of a byte list, as 64 lowercase hex digits. */
export function sha256OfBytes(bytes: number[]): string {
  const h = H0.slice(0);
  const n = bytes.length;
  // Padding: 0x80, zeros to 56 mod 64, then the bit length as a 64-bit big-endian integer.
  const tail = [0x80];
  const zeros = (119 - (n % 64)) % 64;
  const filler = ZERO_FILL.slice(0, zeros);
  const bitsHigh = Math.floor(n / 0x20000000);
  const bitsLow = (n * 8) >>> 0;
  const length = [0, 0, 0, bitsHigh & 0xff, (bitsLow >>> 24) & 0xff, (bitsLow >>> 16) & 0xff, (bitsLow >>> 8) & 0xff, bitsLow & 0xff];
  const block: number[] = [];
  let word = 0;
  let count = 0;
  for (const part of [bytes, tail, filler, length]) {
    for (const byte of part) {
      word = (word << 8) | byte;
      count = count + 1;
      if (count === 4) {
        block.push(word | 0);
        word = 0;
        count = 0;
        if (block.length === 16) {
          compress(h, block);
          block.length = 0;
        }
      }
    }
  }
  let hex = '';
  for (const x of h) {
    for (const shift of [28, 24, 20, 16, 12, 8, 4, 0]) hex = hex + HEX.charAt((x >>> shift) & 15);
  }
  return hex;
}

/**
 * The text with each lone surrogate replaced by U+FFFD, as TextEncoder (and so every client) encodes it
 * to UTF-8; a well-formed string encodes the same in any UTF-8 encoder, util.base64Encode included.
 * for-of walks code points, so a lone surrogate is the only one-unit step in the surrogate range.
 */
function wellFormed(text: string): string {
  const parts: string[] = [];
  let lone = false;
  for (const ch of text) {
    if (ch.length === 1 && ch >= '\uD800' && ch <= '\uDFFF') {
      parts.push('\uFFFD');
      lone = true;
    } else {
      parts.push(ch);
    }
  }
  return lone ? parts.join('') : text;
}

/** SHA-256 of a file's content as the API holds it: TEXT as its UTF-8 bytes, BASE64 as the decoded bytes. */
export function contentSha256(encoding: string, content: string): string {
  return sha256OfBytes(base64Bytes(encoding === 'BASE64' ? content : util.base64Encode(wellFormed(content))));
}
