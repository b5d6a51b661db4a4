import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeTableCommand, DescribeTimeToLiveCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { TableDef } from '../../wiring/types.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';
import { ensureTables, startTtlSweeper } from './tables.ts';

let ddb: DynamoDbLocal;
beforeAll(async () => {
  ddb = await startDynamoDbLocal();
});
afterAll(() => ddb?.stop());

const files: TableDef = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'N' },
  globalSecondaryIndexes: [{ indexName: 'byOwner', partitionKey: { name: 'owner', type: 'S' }, sortKey: { name: 'sk', type: 'N' } }],
  stream: 'NEW_AND_OLD_IMAGES',
  timeToLiveAttribute: 'expiresAt',
};
const nameOf = (k: string) => `tbl_${k}`;

describe('ensureTables', () => {
  it('creates tables as the CDK declares them, idempotently', async () => {
    await ensureTables(ddb.client, { files, plain: { partitionKey: { name: 'id', type: 'S' } } }, nameOf);
    await ensureTables(ddb.client, { files, plain: { partitionKey: { name: 'id', type: 'S' } } }, nameOf);
    const t = (await ddb.client.send(new DescribeTableCommand({ TableName: 'tbl_files' }))).Table;
    expect(t?.TableStatus).toBe('ACTIVE');
    expect(t?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(t?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(t?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.Projection?.ProjectionType, i.IndexStatus])).toEqual([['byOwner', 'ALL', 'ACTIVE']]);
    expect(t?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const ttl = await ddb.client.send(new DescribeTimeToLiveCommand({ TableName: 'tbl_files' }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  it('adds an index declared later to an existing table', async () => {
    const grown: TableDef = { ...files, globalSecondaryIndexes: [...(files.globalSecondaryIndexes ?? []), { indexName: 'byName', partitionKey: { name: 'name', type: 'S' } }] };
    await ensureTables(ddb.client, { files: grown }, nameOf);
    const t = (await ddb.client.send(new DescribeTableCommand({ TableName: 'tbl_files' }))).Table;
    expect(t?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(['byName', 'byOwner']);
  });

  it('refuses a table whose key changed', async () => {
    await expect(ensureTables(ddb.client, { plain: { partitionKey: { name: 'other', type: 'S' } } }, nameOf)).rejects.toThrow(/exists with key/);
  });
});

describe('startTtlSweeper', () => {
  it('deletes items whose TTL is past, keeps the rest', async () => {
    const now = 2_000_000_000;
    const put = (pk: string, expiresAt?: { N: string } | { S: string }) =>
      ddb.client.send(new PutItemCommand({ TableName: 'tbl_files', Item: { pk: { S: pk }, sk: { N: '0' }, ...(expiresAt ? { expiresAt } : {}) } }));
    await put('expired', { N: String(now - 10) });
    await put('future', { N: String(now + 10) });
    await put('no-ttl');
    await put('string-ttl', { S: String(now - 10) });
    await put('ancient', { N: String(now - 6 * 365 * 24 * 3600) });
    const sweeper = startTtlSweeper(ddb.client, { files }, nameOf, { now: () => now, intervalMs: 3_600_000 });
    try {
      expect(await sweeper.sweep()).toBe(1);
    } finally {
      await sweeper.stop();
    }
    const exists = async (pk: string) => !!(await ddb.client.send(new GetItemCommand({ TableName: 'tbl_files', Key: { pk: { S: pk }, sk: { N: '0' } } }))).Item;
    expect(await exists('expired')).toBe(false);
    for (const kept of ['future', 'no-ttl', 'string-ttl', 'ancient']) expect(await exists(kept)).toBe(true);
  });
});
