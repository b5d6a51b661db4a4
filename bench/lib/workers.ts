import { percentile, type Summary } from './stats.ts';

/** Summarizes latencies (ms) of `n` operations done in `elapsedMs`. */
export function summarize(latencies: number[], elapsedMs: number): Summary {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    opsPerSec: (sorted.length / elapsedMs) * 1000,
  };
}

/**
 * Runs `workers` workers, each doing `perWorker` operations in sequence with its own state (its own
 * file, say): `op(worker, i)`. Latencies in ms.
 */
export async function measureWorkers(workers: number, perWorker: number, op: (worker: number, i: number) => Promise<void>): Promise<Summary> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; i < perWorker; i += 1) {
        const t = performance.now();
        await op(w, i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return summarize(latencies, performance.now() - started);
}
