import { OpBuilder } from './builder.ts';
import { myersDiff } from './myers.ts';
import { checkPatch } from './validate.ts';
import { PatchError, type TextPatch } from './types.ts';

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** True when offset `i` of `s` falls between a high and a low surrogate. */
export function splitsPair(s: string, i: number): boolean {
  return i > 0 && i < s.length && isHigh(s.charCodeAt(i - 1)) && isLow(s.charCodeAt(i));
}

/**
 * A compact text patch turning `a` into `b`. Common prefix and suffix are cut first (cheap, and all
 * a small edit to a large document needs); the middle is diffed by code point with Myers, so no op
 * boundary ever splits a surrogate pair.
 */
export function diffText(a: string, b: string): TextPatch {
  const limit = Math.min(a.length, b.length);
  let pre = 0;
  while (pre < limit && a.charCodeAt(pre) === b.charCodeAt(pre)) pre += 1;
  if (splitsPair(a, pre) || splitsPair(b, pre)) pre -= 1;
  let suf = 0;
  while (suf < limit - pre && a.charCodeAt(a.length - 1 - suf) === b.charCodeAt(b.length - 1 - suf)) suf += 1;
  if (splitsPair(a, a.length - suf) || splitsPair(b, b.length - suf)) suf -= 1;

  const out = new OpBuilder().retain(pre);
  const midA = Array.from(a.slice(pre, a.length - suf));
  const midB = Array.from(b.slice(pre, b.length - suf));
  const runs = myersDiff(midA.length, midB.length, (i, j) => midA[i] === midB[j]);
  if (runs === null) {
    out.delete(a.length - suf - pre).insert(b.slice(pre, b.length - suf));
  } else {
    let i = 0;
    let j = 0;
    for (const r of runs) {
      if (r.kind === 'keep') {
        out.retain(units(midA, i, r.n));
        i += r.n;
        j += r.n;
      } else if (r.kind === 'del') {
        out.delete(units(midA, i, r.n));
        i += r.n;
      } else {
        out.insert(midB.slice(j, j + r.n).join(''));
        j += r.n;
      }
    }
  }
  return { v: 1, t: 'text', ops: out.retain(suf).build() };
}

/** UTF-16 length of `count` code points of `cps` from `from`. */
function units(cps: string[], from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i += 1) n += cps[i]!.length;
  return n;
}

/** Applies a text patch; a patch that does not fit `base` exactly is refused with a PatchError. */
export function applyText(patch: unknown, base: string): string {
  const p = checkPatch(patch);
  if (p.t !== 'text') throw new PatchError('WRONG_KIND', `a ${p.t} patch cannot be applied to text`);
  const parts: string[] = [];
  let at = 0;
  for (const op of p.ops) {
    if (typeof op === 'string') {
      parts.push(op);
      continue;
    }
    const n = Math.abs(op);
    if (at + n > base.length) {
      throw new PatchError('OUT_OF_RANGE', `op ${op} at offset ${at} runs past the end of the base (length ${base.length})`);
    }
    if (op > 0) parts.push(base.slice(at, at + n));
    at += n;
    if (splitsPair(base, at)) throw new PatchError('SPLITS_SURROGATE_PAIR', `offset ${at} falls inside a surrogate pair`);
  }
  if (at !== base.length) throw new PatchError('SHORT', `the patch covers ${at} of the base's ${base.length} code units`);
  return parts.join('');
}
