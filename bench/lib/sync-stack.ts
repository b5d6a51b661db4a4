/**
 * The craft-sync API on the real local runtime for benchmarks: throwaway data dir, signed-in users,
 * and GraphQL over HTTP as any client sends it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api } from '../../infra/api.ts';
import { startRuntime, type Runtime } from '../../infra/local/runtime.ts';

export interface BenchUser {
  sub: string;
  token: string;
}

export interface SyncStack {
  runtime: Runtime;
  users(n: number, prefix?: string): Promise<BenchUser[]>;
  /** POSTs a GraphQL request; throws on any error, returns `data`. */
  gql(user: BenchUser, query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export async function startSyncStack(): Promise<SyncStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'craft-sync-bench-'));
  // BENCH_STREAMS=off leaves out the stream handlers (snapshots, notifications), to see what they cost
  // on this machine: in AWS they run on their own Lambdas, locally in the runtime's process.
  const streamsOff = process.env.BENCH_STREAMS === 'off';
  const runtime = await startRuntime({ api: streamsOff ? { ...api, streamHandlers: [] } : api, dataDir, inMemory: true, port: 0, log: () => {} });
  if (streamsOff) console.log('(BENCH_STREAMS=off: stream handlers not started)');
  return {
    runtime,
    async users(n, prefix = 'bench') {
      return Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const email = `${prefix}-${i}@example.com`;
          const { sub } = await runtime.cognito!.createUser({ email, password: 'Passw0rd!bench' });
          const { accessToken } = await runtime.cognito!.signIn(email, 'Passw0rd!bench');
          return { sub, token: accessToken };
        }),
      );
    },
    async gql(user, query, variables) {
      const res = await fetch(runtime.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: user.token },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
      if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors ?? body));
      return body.data;
    },
    async stop() {
      await runtime.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const INSERT = 'mutation($input: InsertFileInput!) { insertFile(input: $input) { fileId version } }';
export const MODIFY = 'mutation($input: ModifyFileInput!) { modifyFile(input: $input) { fileId version op sha256 patch content } }';
