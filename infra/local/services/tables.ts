import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IndexDef, KeyDef, TableDef } from '../../wiring/types.ts';

/**
 * Creates the declared tables in DynamoDB Local from the same TableDef the CDK stack reads, the
 * way the stack deploys them: on-demand billing, GSIs and LSIs projecting ALL, the declared stream and TTL.
 * Idempotent: an existing table is checked, and indexes, stream or TTL added later are applied.
 */
export async function ensureTables(client: DynamoDBClient, tables: Record<string, TableDef>, nameOf: (key: string) => string): Promise<void> {
  await Promise.all(Object.entries(tables).map(([key, def]) => ensureTable(client, nameOf(key), def)));
}

async function ensureTable(client: DynamoDBClient, name: string, def: TableDef): Promise<void> {
  let table = await describe(client, name);
  if (!table) {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributeDefinitions(def, [...(def.globalSecondaryIndexes ?? []), ...(def.localSecondaryIndexes ?? [])]),
        KeySchema: keySchema(def.partitionKey, def.sortKey),
        ...(def.globalSecondaryIndexes?.length ? { GlobalSecondaryIndexes: def.globalSecondaryIndexes.map(gsi) } : {}),
        ...(def.localSecondaryIndexes?.length ? { LocalSecondaryIndexes: def.localSecondaryIndexes.map(gsi) } : {}),
        ...(def.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream } } : {}),
      }),
    );
    table = await waitActive(client, name);
  } else {
    checkKeys(name, table, def);
    table = await addMissing(client, name, table, def);
  }
  if (def.timeToLiveAttribute) await ensureTtl(client, name, def.timeToLiveAttribute);
}

async function describe(client: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (e) {
    if (e instanceof ResourceNotFoundException) return undefined;
    throw e;
  }
}

function keySchema(pk: KeyDef, sk?: KeyDef): KeySchemaElement[] {
  return [{ AttributeName: pk.name, KeyType: 'HASH' }, ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : [])];
}

function gsi(index: IndexDef): GlobalSecondaryIndex {
  return { IndexName: index.indexName, KeySchema: keySchema(index.partitionKey, index.sortKey), Projection: { ProjectionType: 'ALL' } };
}

function attributeDefinitions(def: TableDef, indexes = def.globalSecondaryIndexes ?? []): AttributeDefinition[] {
  const keys = [def.partitionKey, def.sortKey, ...indexes.flatMap((i) => [i.partitionKey, i.sortKey])].filter((k): k is KeyDef => !!k);
  const byName = new Map<string, KeyDef>();
  for (const k of keys) {
    const seen = byName.get(k.name);
    if (seen && seen.type !== k.type) throw new Error(`attribute "${k.name}" is declared as both ${seen.type} and ${k.type}`);
    byName.set(k.name, k);
  }
  return [...byName.values()].map((k) => ({ AttributeName: k.name, AttributeType: k.type }));
}

/** A persisted table whose primary key differs from the declaration cannot be migrated in place. */
function checkKeys(name: string, table: TableDescription, def: TableDef): void {
  const want = JSON.stringify(keySchema(def.partitionKey, def.sortKey));
  const have = JSON.stringify(table.KeySchema?.map((k) => ({ AttributeName: k.AttributeName, KeyType: k.KeyType })));
  if (want !== have) {
    throw new Error(`table "${name}" exists with key ${have} but is declared with ${want}; delete the local data directory to recreate it`);
  }
  // DynamoDB creates local secondary indexes only with the table.
  const lsis = new Set((table.LocalSecondaryIndexes ?? []).map((i) => i.IndexName));
  const missing = (def.localSecondaryIndexes ?? []).filter((i) => !lsis.has(i.indexName)).map((i) => i.indexName);
  if (missing.length) throw new Error(`table "${name}" exists without the local secondary index ${missing.join(', ')}, which only table creation adds; delete the local data directory to recreate it`);
}

async function addMissing(client: DynamoDBClient, name: string, table: TableDescription, def: TableDef): Promise<TableDescription> {
  const existing = new Set((table.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  // DynamoDB adds one index per UpdateTable call.
  for (const index of def.globalSecondaryIndexes ?? []) {
    if (existing.has(index.indexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: attributeDefinitions(def, [index]),
        GlobalSecondaryIndexUpdates: [{ Create: gsi(index) }],
      }),
    );
    table = await waitActive(client, name);
  }
  if (def.stream && !table.StreamSpecification?.StreamEnabled) {
    await client.send(new UpdateTableCommand({ TableName: name, StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream } }));
    table = await waitActive(client, name);
  }
  return waitActive(client, name);
}

async function waitActive(client: DynamoDBClient, name: string): Promise<TableDescription> {
  const until = Date.now() + 60_000;
  for (;;) {
    const table = await describe(client, name);
    const active = table?.TableStatus === 'ACTIVE' && (table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (table && active) return table;
    if (Date.now() > until) throw new Error(`table "${name}" did not become ACTIVE`);
    await sleep(50);
  }
}

async function ensureTtl(client: DynamoDBClient, name: string, attribute: string): Promise<void> {
  const ttl = (await client.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription;
  if (ttl?.TimeToLiveStatus === 'ENABLED' && ttl.AttributeName === attribute) return;
  await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: attribute } }));
}

export { startTtlSweeper, type TtlSweeper } from './ttl-sweeper.ts';
