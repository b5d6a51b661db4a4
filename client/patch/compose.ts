import { OpBuilder } from './builder.ts';
import { checkPatch } from './validate.ts';
import { PatchError, type Op, type TextPatch } from './types.ts';

/**
 * Composes two consecutive text patches into one: `a` turns s into t, `b` turns t into u; the result
 * turns s into u, with apply(compose(a, b), s) = apply(b, apply(a, s)). The sync engine sends what was
 * typed during a round trip this way, as one patch and one commit. Text only: binary edits are sent
 * as whole content.
 */
export function compose(a: TextPatch, b: TextPatch): TextPatch {
  const pa = checkPatch(a);
  const pb = checkPatch(b);
  if (pa.t !== 'text' || pb.t !== 'text') throw new PatchError('WRONG_KIND', 'compose takes two text patches');
  const out = new OpBuilder();
  const opsA = pa.ops;
  const opsB = pb.ops;
  let ia = 0;
  let ib = 0;
  let x: Op | undefined = opsA[ia++];
  let y: Op | undefined = opsB[ib++];
  while (x !== undefined || y !== undefined) {
    // What `a` removed from s never reaches `b`.
    if (typeof x === 'number' && x < 0) {
      out.delete(-x);
      x = opsA[ia++];
      continue;
    }
    // What `b` inserts is new in u.
    if (typeof y === 'string') {
      out.insert(y);
      y = opsB[ib++];
      continue;
    }
    if (x === undefined || y === undefined) throw new PatchError('BASE_MISMATCH', "the second patch's base is not the first patch's result");
    // Both walk t: `x` a retain of s or an insert, `y` a retain or a delete of t.
    const lenX = typeof x === 'string' ? x.length : x;
    const n = Math.min(lenX, Math.abs(y));
    if (typeof x === 'string') {
      if (y > 0) out.insert(x.slice(0, n));
    } else if (y > 0) out.retain(n);
    else out.delete(n);
    x = typeof x === 'string' ? (n < x.length ? x.slice(n) : opsA[ia++]) : n < x ? x - n : opsA[ia++];
    y = n < Math.abs(y) ? (y > 0 ? y - n : y + n) : opsB[ib++];
  }
  return { v: 1, t: 'text', ops: out.build() };
}
