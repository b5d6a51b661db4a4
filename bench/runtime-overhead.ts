/**
 * The local runtime's overhead on the hot path: a GraphQL mutation over HTTP whose resolver does one
 * PutItem, against the same PutItem sent straight to the same DynamoDB Local, in the same run.
 * Run: npx tsx bench/runtime-overhead.ts [N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startRuntime } from '../infra/local/runtime.ts';
import { putApi } from './fixtures/put-api/api.ts';
import { fmt, measure, ms } from './lib/stats.ts';

const N = Number(process.argv[2] ?? 2000);
const dataDir = mkdtempSync(join(tmpdir(), 'craft-sync-bench-'));
const runtime = await startRuntime({ api: putApi, dataDir, inMemory: true, port: 0, log: () => {} });
const table = runtime.tableName('items');
const headers = { 'content-type': 'application/json', 'x-api-key': runtime.apiKey! };
const mutation = 'mutation($id: ID!, $v: String!) { putItem(id: $id, value: $v) { id value } }';

const viaRuntime = async (i: number) => {
  const res = await fetch(runtime.graphqlUrl, { method: 'POST', headers, body: JSON.stringify({ query: mutation, variables: { id: `g${i}`, v: `value ${i}` } }) });
  const body = (await res.json()) as { errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
};
const direct = async (i: number) => {
  await runtime.dynamodb.client.send(new PutItemCommand({ TableName: table, Item: { id: { S: `d${i}` }, value: { S: `value ${i}` } } }));
};

try {
  // The JVM and V8 are several times slower in their first seconds: warm both paths first.
  await measure(1500, 8, direct);
  await measure(1500, 8, viaRuntime);
  console.log(`runtime overhead: GraphQL mutation (one PutItem) vs direct PutItem, same DynamoDB Local, N=${N}`);
  for (const c of [1, 16]) {
    const base = await measure(N, c, direct);
    const gql = await measure(N, c, viaRuntime);
    console.log(`  concurrency ${String(c).padStart(2)}: direct ${fmt(base)}`);
    console.log(`                  runtime ${fmt(gql)}`);
    console.log(`                  ratio throughput ${(gql.opsPerSec / base.opsPerSec).toFixed(2)}x, added p50 latency ${ms(gql.p50 - base.p50)}`);
  }
} finally {
  await runtime.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
