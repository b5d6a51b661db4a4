import { invalid } from './errors.ts';

/**
 * The server half of operational transform (client/patch/transform.ts, text patches only), written
 * for APPSYNC_JS: `mine` was made against the same base as the committed `theirs`; the result applies
 * after `theirs`, keeping every insert of both. At a shared offset the committed insert comes first,
 * exactly as the client's `rebase(mine, theirs)` does, so a client that rebases its queue over the
 * same changes reaches the same text (resolvers/lib/rebase.test.ts checks the two agree).
 * Output is canonical (adjacent ops merged, a delete before an insert where they meet).
 */
export function rebaseOps(mine: unknown[], theirs: unknown[]): unknown[] {
  const out: unknown[] = [];
  const put = (op: number | string) => {
    const last = out.length > 0 ? out[out.length - 1] : undefined;
    if (typeof op === 'string') {
      if (typeof last === 'string') out[out.length - 1] = last + op;
      else out.push(op);
    } else if (op > 0) {
      if (typeof last === 'number' && last > 0) out[out.length - 1] = last + op;
      else out.push(op);
    } else if (typeof last === 'number' && last < 0) {
      out[out.length - 1] = last + op;
    } else if (typeof last === 'string') {
      const before = out.length > 1 ? out[out.length - 2] : undefined;
      if (typeof before === 'number' && before < 0) out[out.length - 2] = before + op;
      else out.splice(out.length - 1, 0, op);
    } else {
      out.push(op);
    }
  };
  let ia = 0;
  let ib = 0;
  let x: unknown = theirs.length > 0 ? theirs[0] : undefined;
  let y: unknown = mine.length > 0 ? mine[0] : undefined;
  // Every step uses up at least one op of either side, so this many steps always suffice.
  const steps = theirs.concat(mine);
  steps.push(0);
  for (const _ of steps) {
    if (x === undefined && y === undefined) break;
    if (typeof x === 'string') {
      put(x.length);
      ia = ia + 1;
      x = ia < theirs.length ? theirs[ia] : undefined;
    } else if (typeof y === 'string') {
      put(y);
      ib = ib + 1;
      y = ib < mine.length ? mine[ib] : undefined;
    } else {
      if (typeof x !== 'number' || typeof y !== 'number') invalid('patch', 'does not fit the version it names as its base (lengths differ)');
      const a = x as number;
      const b = y as number;
      const n = Math.min(Math.abs(a), Math.abs(b));
      if (a > 0 && b > 0) put(n);
      else if (a > 0 && b < 0) put(-n);
      // theirs deleted the span: mine keeps nothing of it (and a delete of both sides is done).
      const leftA = Math.abs(a) - n;
      const leftB = Math.abs(b) - n;
      if (leftA > 0) {
        x = a > 0 ? leftA : -leftA;
      } else {
        ia = ia + 1;
        x = ia < theirs.length ? theirs[ia] : undefined;
      }
      if (leftB > 0) {
        y = b > 0 ? leftB : -leftB;
      } else {
        ib = ib + 1;
        y = ib < mine.length ? mine[ib] : undefined;
      }
    }
  }
  return out;
}
