/**
 * Myers' O(ND) difference algorithm over two sequences given by length and an equality test.
 * Returns the edit script as runs, or null when the edit distance would exceed what the budget
 * allows (the caller then falls back to "replace the whole middle": still correct, less compact).
 */
export type Run = { kind: 'keep' | 'del' | 'ins'; n: number };

export function myersDiff(n: number, m: number, eq: (i: number, j: number) => boolean, budget = 5_000_000): Run[] | null {
  const max = n + m;
  if (max === 0) return [];
  // trace[d] holds V for k in [-d, d] (index k + d) after step d: O(D^2) memory, not O(D * (N + M)).
  const trace: Int32Array[] = [];
  let v = new Int32Array(3); // d = 0 window with a guard slot either side
  let cost = 0;
  for (let d = 0; d <= max; d += 1) {
    const next = new Int32Array(2 * d + 3);
    const at = (arr: Int32Array, dd: number, k: number): number => arr[k + dd + 1] ?? 0;
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (d === 0) x = 0;
      else if (k === -d || (k !== d && at(v, d - 1, k - 1) < at(v, d - 1, k + 1))) x = at(v, d - 1, k + 1);
      else x = at(v, d - 1, k - 1) + 1;
      let y = x - k;
      const start = x;
      while (x < n && y < m && eq(x, y)) {
        x += 1;
        y += 1;
      }
      cost += 1 + (x - start);
      next[k + d + 1] = x;
      if (x >= n && y >= m) {
        trace.push(next);
        return backtrack(trace, n, m);
      }
    }
    trace.push(next);
    v = next;
    // Work so far counts every comparison and every diagonal visited.
    if (cost > budget) return null;
  }
  return null;
}

function backtrack(trace: Int32Array[], n: number, m: number): Run[] {
  const runs: Run[] = [];
  const push = (kind: Run['kind'], count: number): void => {
    if (count <= 0) return;
    const last = runs[runs.length - 1];
    if (last && last.kind === kind) last.n += count;
    else runs.push({ kind, n: count });
  };
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d -= 1) {
    const prev = trace[d - 1]!;
    const at = (k: number): number => prev[k + (d - 1) + 1] ?? 0;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    const snake = Math.min(x - prevX - (down ? 0 : 1), y - prevY - (down ? 1 : 0));
    push('keep', snake);
    if (down) push('ins', 1);
    else push('del', 1);
    x = prevX;
    y = prevY;
  }
  push('keep', Math.min(x, y));
  return runs.reverse();
}
