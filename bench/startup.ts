/**
 * Cold and warm start of `npm start` (the craft-sync stack), from spawning the command to its
 * "ready" line, beside the floor it cannot beat: DynamoDB Local alone starting in the same run.
 * Cold = a fresh data directory; warm = the same directory again (tables, users, certificate exist).
 * Run: npx tsx bench/startup.ts [runs]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../infra/local/services/ports.ts';
import { startDynamoDbLocal } from '../infra/local/services/dynamodb-local.ts';
import { ms, percentile } from './lib/stats.ts';

const RUNS = Number(process.argv[2] ?? 3);

/** Spawns the same command `npm start` runs and resolves when it prints that it is ready. */
async function startOnce(dataDir: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/cli.ts', 'start', '--port', String(port), '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    return await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready in')) resolve(performance.now() - started);
      });
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.once('exit', (code) => reject(new Error(`exited ${code} before ready:\n${out}`)));
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function dynamoAlone(): Promise<number> {
  const t = performance.now();
  const ddb = await startDynamoDbLocal({});
  const elapsed = performance.now() - t;
  await ddb.stop();
  return elapsed;
}

const cold: number[] = [];
const warm: number[] = [];
const floor: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'craft-sync-startup-'));
  try {
    cold.push(await startOnce(dir));
    warm.push(await startOnce(dir));
    floor.push(await dynamoAlone());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const med = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
console.log(`npm start to ready, median of ${RUNS} runs (DynamoDB Local alone is the floor):`);
console.log(`  cold (fresh data dir): ${ms(med(cold))}  = ${(med(cold) / med(floor)).toFixed(2)}x DynamoDB Local alone`);
console.log(`  warm (same data dir):  ${ms(med(warm))}  = ${(med(warm) / med(floor)).toFixed(2)}x DynamoDB Local alone`);
console.log(`  DynamoDB Local alone:  ${ms(med(floor))}`);
