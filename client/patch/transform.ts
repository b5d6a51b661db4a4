import { decodeBase64, encodeBase64 } from './base64.ts';
import { OpBuilder } from './builder.ts';
import { base64Length, checkPatch } from './validate.ts';
import { PatchError, type Op, type Patch } from './types.ts';

function joinBase64(a: string, b: string): string {
  const x = decodeBase64(a)!;
  const y = decodeBase64(b)!;
  const out = new Uint8Array(x.length + y.length);
  out.set(x);
  out.set(y, x.length);
  return encodeBase64(out);
}

/**
 * Operational transform of two patches made concurrently against the same base. Returns
 * `[a2, b2]` such that apply(b2, apply(a, base)) = apply(a2, apply(b, base)). Where both insert
 * at the same offset, `a`'s insert comes first.
 */
export function transform<P extends Patch>(a: P, b: P): [P, P] {
  const pa = checkPatch(a);
  const pb = checkPatch(b);
  if (pa.t !== pb.t) throw new PatchError('WRONG_KIND', `cannot transform a ${pa.t} patch against a ${pb.t} patch`);
  const bin = pa.t === 'bin';
  const insLen = (s: string): number => (bin ? base64Length(s) : s.length);
  const outA = bin ? new OpBuilder(joinBase64) : new OpBuilder();
  const outB = bin ? new OpBuilder(joinBase64) : new OpBuilder();
  const opsA = pa.ops;
  const opsB = pb.ops;
  let ia = 0;
  let ib = 0;
  let x: Op | undefined = opsA[ia++];
  let y: Op | undefined = opsB[ib++];
  while (x !== undefined || y !== undefined) {
    if (typeof x === 'string') {
      outA.insert(x);
      outB.retain(insLen(x));
      x = opsA[ia++];
      continue;
    }
    if (typeof y === 'string') {
      outA.retain(insLen(y));
      outB.insert(y);
      y = opsB[ib++];
      continue;
    }
    if (x === undefined || y === undefined) {
      throw new PatchError('BASE_MISMATCH', 'the two patches cover bases of different lengths');
    }
    const n = Math.min(Math.abs(x), Math.abs(y));
    if (x > 0 && y > 0) {
      outA.retain(n);
      outB.retain(n);
    } else if (x < 0 && y > 0) {
      outA.delete(n);
    } else if (x > 0 && y < 0) {
      outB.delete(n);
    } // both delete the same span: nothing is left for either to do
    x = shrink(x, n) ?? opsA[ia++];
    y = shrink(y, n) ?? opsB[ib++];
  }
  return [{ v: 1, t: pa.t, ops: outA.build() } as P, { v: 1, t: pa.t, ops: outB.build() } as P];
}

/** What is left of a retain/delete after `n` units of it were consumed; undefined when none. */
function shrink(op: number, n: number): number | undefined {
  const left = Math.abs(op) - n;
  if (left === 0) return undefined;
  return op > 0 ? left : -left;
}

/**
 * Rebases a local patch `mine` (made against the same base as the committed `theirs`) so it applies
 * after `theirs`. The committed change keeps its place: at a shared offset its insert comes first.
 */
export function rebase<P extends Patch>(mine: P, theirs: P): P {
  return transform(theirs, mine)[1];
}
