import { decodeBase64, encodeBase64 } from './base64.ts';
import { myersDiff } from './myers.ts';
import { checkPatch } from './validate.ts';
import { PatchError, type BinaryPatch, type Op } from './types.ts';

/** A compact binary patch turning bytes `a` into `b`: prefix/suffix cut, Myers on the middle. */
export function diffBytes(a: Uint8Array, b: Uint8Array): BinaryPatch {
  const limit = Math.min(a.length, b.length);
  let pre = 0;
  while (pre < limit && a[pre] === b[pre]) pre += 1;
  let suf = 0;
  while (suf < limit - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf += 1;
  const midA = a.subarray(pre, a.length - suf);
  const midB = b.subarray(pre, b.length - suf);
  const ops: Op[] = [];
  if (pre > 0) ops.push(pre);
  const runs = myersDiff(midA.length, midB.length, (i, j) => midA[i] === midB[j]) ?? [
    { kind: 'del' as const, n: midA.length },
    { kind: 'ins' as const, n: midB.length },
  ];
  // Group each stretch between keeps into one delete then one insert, as the text builder does.
  let j = 0;
  let del = 0;
  let ins: Uint8Array[] = [];
  const flush = (): void => {
    if (del > 0) ops.push(-del);
    const total = ins.reduce((s, x) => s + x.length, 0);
    if (total > 0) {
      const joined = new Uint8Array(total);
      let o = 0;
      for (const x of ins) {
        joined.set(x, o);
        o += x.length;
      }
      ops.push(encodeBase64(joined));
    }
    del = 0;
    ins = [];
  };
  for (const r of runs) {
    if (r.n === 0) continue;
    if (r.kind === 'keep') {
      flush();
      const last = ops[ops.length - 1];
      if (typeof last === 'number' && last > 0) ops[ops.length - 1] = last + r.n;
      else ops.push(r.n);
      j += r.n;
    } else if (r.kind === 'del') {
      del += r.n;
    } else {
      ins.push(midB.subarray(j, j + r.n));
      j += r.n;
    }
  }
  flush();
  if (suf > 0) {
    const last = ops[ops.length - 1];
    if (typeof last === 'number' && last > 0) ops[ops.length - 1] = last + suf;
    else ops.push(suf);
  }
  return { v: 1, t: 'bin', ops };
}

/** Applies a binary patch; a patch that does not fit `base` exactly is refused with a PatchError. */
export function applyBytes(patch: unknown, base: Uint8Array): Uint8Array {
  const p = checkPatch(patch);
  if (p.t !== 'bin') throw new PatchError('WRONG_KIND', `a ${p.t} patch cannot be applied to bytes`);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const op of p.ops) {
    if (typeof op === 'string') {
      parts.push(decodeBase64(op)!); // checkPatch has verified it is base64
      continue;
    }
    const n = Math.abs(op);
    if (at + n > base.length) {
      throw new PatchError('OUT_OF_RANGE', `op ${op} at offset ${at} runs past the end of the base (length ${base.length})`);
    }
    if (op > 0) parts.push(base.subarray(at, at + n));
    at += n;
  }
  if (at !== base.length) throw new PatchError('SHORT', `the patch covers ${at} of the base's ${base.length} bytes`);
  const out = new Uint8Array(parts.reduce((s, x) => s + x.length, 0));
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}
