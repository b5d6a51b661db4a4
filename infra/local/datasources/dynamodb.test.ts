import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DataSource, DataSourceCallContext } from '../appsync-js/types.ts';
import type { TableDef } from '../../wiring/types.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '../services/dynamodb-local.ts';
import { ensureTables } from '../services/tables.ts';
import { createDynamoDbDataSource } from './dynamodb.ts';
import { createDynamodbUtils } from '../appsync-js/runtime/util-dynamodb.ts';

const util = createDynamodbUtils();

const tables: Record<string, TableDef> = {
  docs: {
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'N' },
    globalSecondaryIndexes: [{ indexName: 'byOwner', partitionKey: { name: 'owner', type: 'S' }, sortKey: { name: 'sk', type: 'N' } }],
  },
  tags: { partitionKey: { name: 'id', type: 'S' } },
};
const nameOf = (key: string) => `t_${key}`;
const call = {} as DataSourceCallContext;

let ddb: DynamoDbLocal;
let docs: DataSource;
beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  await ensureTables(ddb.client, tables, nameOf);
  // Batch and transaction requests may name a declared key or a real table name.
  const resolveTable = (n: string) => (n in tables ? nameOf(n) : n);
  docs = createDynamoDbDataSource({ name: 'docs', client: ddb.client, table: nameOf('docs'), resolveTable });
});
afterAll(() => ddb?.stop());

const S = (s: string) => ({ S: s });
const N = (n: number) => ({ N: n });
const run = (req: unknown) => docs.invoke(req, call);

describe('single items', () => {
  it('PutItem returns the item as plain JSON; GetItem reads it back; a missing item is null', async () => {
    const put = await run({
      operation: 'PutItem',
      key: { pk: S('a'), sk: N(1) },
      attributeValues: { owner: S('ann'), size: N(3), tags: { SS: ['x', 'y'] }, meta: { M: { ok: { BOOL: true }, none: { NULL: true } } }, bin: { B: 'AAE=' } },
    });
    expect(put).toEqual({ result: { pk: 'a', sk: 1, owner: 'ann', size: 3, tags: ['x', 'y'], meta: { ok: true, none: null }, bin: 'AAE=' } });
    expect((await run({ operation: 'GetItem', key: { pk: S('a'), sk: N(1) }, consistentRead: true })).result).toMatchObject({ pk: 'a', size: 3, bin: 'AAE=' });
    expect(await run({ operation: 'GetItem', key: { pk: S('nope'), sk: N(1) } })).toEqual({ result: null });
    const projected = await run({ operation: 'GetItem', key: { pk: S('a'), sk: N(1) }, projection: { expression: '#s, pk', expressionNames: { '#s': 'size' } } });
    expect(projected.result).toEqual({ pk: 'a', size: 3 });
  });

  it('UpdateItem returns ALL_NEW; DeleteItem returns the old item', async () => {
    await run({ operation: 'PutItem', key: { pk: S('u'), sk: N(1) }, attributeValues: { n: N(1) } });
    const up = await run({
      operation: 'UpdateItem',
      key: { pk: S('u'), sk: N(1) },
      update: { expression: 'SET #n = #n + :one, label = :l', expressionNames: { '#n': 'n' }, expressionValues: { ':one': N(1), ':l': S('two') } },
    });
    expect(up).toEqual({ result: { pk: 'u', sk: 1, n: 2, label: 'two' } });
    expect(await run({ operation: 'DeleteItem', key: { pk: S('u'), sk: N(1) } })).toEqual({ result: { pk: 'u', sk: 1, n: 2, label: 'two' } });
    expect(await run({ operation: 'DeleteItem', key: { pk: S('u'), sk: N(1) } })).toEqual({ result: null });
  });
});

describe("null values as AppSync's helpers write them ({ NULL: null })", () => {
  // util.dynamodb.toDynamoDB(null), toNull() and toMapValues({ x: null }) all give { NULL: null }.
  const nullable = util.toMapValues({ title: null, tags: [null, 'a'], meta: { gone: null } }) as Record<string, unknown>;

  it('PutItem, UpdateItem, BatchPutItem and TransactWriteItems store them as DynamoDB NULL', async () => {
    expect(util.toNull()).toEqual({ NULL: null });
    expect(nullable.title).toEqual({ NULL: null });
    const put = await run({ operation: 'PutItem', key: { pk: S('null'), sk: N(1) }, attributeValues: nullable });
    expect(put.result).toEqual({ pk: 'null', sk: 1, title: null, tags: [null, 'a'], meta: { gone: null } });
    const up = await run({
      operation: 'UpdateItem',
      key: { pk: S('null'), sk: N(1) },
      update: { expression: 'SET #t = :t, note = :n', expressionNames: { '#t': 'tags' }, expressionValues: { ':t': util.toNull(), ':n': util.toDynamoDB(null) } },
    });
    expect(up.result).toMatchObject({ tags: null, note: null });
    await run({ operation: 'BatchPutItem', tables: { docs: [{ pk: S('null'), sk: N(2), ...nullable }] } });
    await run({ operation: 'TransactWriteItems', transactItems: [{ table: 'docs', operation: 'PutItem', key: { pk: S('null'), sk: N(3) }, attributeValues: nullable }] });
    for (const sk of [2, 3]) {
      const raw = await ddb.client.send(new GetItemCommand({ TableName: nameOf('docs'), Key: { pk: { S: 'null' }, sk: { N: String(sk) } }, ConsistentRead: true }));
      expect(raw.Item?.title).toEqual({ NULL: true });
      expect(raw.Item?.meta).toEqual({ M: { gone: { NULL: true } } });
    }
  });

  it('still refuses a NULL that is neither true nor null', async () => {
    const out = await run({ operation: 'PutItem', key: { pk: S('null'), sk: N(9) }, attributeValues: { title: { NULL: false } } });
    expect(out.error).toMatchObject({ type: 'MappingTemplate', message: expect.stringMatching(/Invalid NULL value at '.*title': expected true or null/) });
    expect((await run({ operation: 'GetItem', key: { pk: S('null'), sk: N(9) } })).result).toBeNull();
  });
});

describe('condition failures, as AppSync handles them', () => {
  it('rejects with ConditionalCheckFailedException and the current item in ctx.result', async () => {
    await run({ operation: 'PutItem', key: { pk: S('c'), sk: N(1) }, attributeValues: { version: N(8), name: S('Steve') } });
    const out = await run({
      operation: 'UpdateItem',
      key: { pk: S('c'), sk: N(1) },
      update: { expression: 'SET version = :next', expressionValues: { ':next': N(2) } },
      condition: { expression: 'version = :expected', expressionValues: { ':expected': N(1) } },
    });
    expect(out.error?.type).toBe('DynamoDB:ConditionalCheckFailedException');
    expect(out.error?.message).toMatch(/^The conditional request failed \(Service: DynamoDb, Status Code: 400, Request ID: /);
    expect(out.result).toEqual({ pk: 'c', sk: 1, version: 8, name: 'Steve' });
    // Nothing changed.
    const stored = await ddb.client.send(new GetItemCommand({ TableName: nameOf('docs'), Key: { pk: S('c'), sk: { N: '1' } } }));
    expect(stored.Item?.version).toEqual({ N: '8' });
  });

  it('treats a PutItem whose desired item is already there (modulo equalsIgnore) as success', async () => {
    await run({ operation: 'PutItem', key: { pk: S('e'), sk: N(1) }, attributeValues: { name: S('Steve'), version: N(8) } });
    const same = await run({
      operation: 'PutItem',
      key: { pk: S('e'), sk: N(1) },
      attributeValues: { name: S('Steve'), version: N(2) },
      condition: { expression: 'version = :v', expressionValues: { ':v': N(1) }, equalsIgnore: ['version'] },
    });
    expect(same).toEqual({ result: { pk: 'e', sk: 1, name: 'Steve', version: 8 } });
    const different = await run({
      operation: 'PutItem',
      key: { pk: S('e'), sk: N(1) },
      attributeValues: { name: S('Bob'), version: N(2) },
      condition: { expression: 'attribute_not_exists(pk)', equalsIgnore: ['version'] },
    });
    expect(different.error?.type).toBe('DynamoDB:ConditionalCheckFailedException');
    expect(different.result).toEqual({ pk: 'e', sk: 1, name: 'Steve', version: 8 });
  });

  it('treats a conditional DeleteItem of an item that is already gone as success', async () => {
    expect(await run({ operation: 'DeleteItem', key: { pk: S('gone'), sk: N(1) }, condition: { expression: 'attribute_exists(pk)' } })).toEqual({ result: null });
  });
});

describe('Query and Scan', () => {
  beforeAll(async () => {
    for (let i = 1; i <= 5; i++) await run({ operation: 'PutItem', key: { pk: S('q'), sk: N(i) }, attributeValues: { owner: S(i % 2 ? 'odd' : 'even') } });
  });

  it('pages with an opaque nextToken, honours order, filter and index', async () => {
    const first = await run({ operation: 'Query', query: { expression: 'pk = :p', expressionValues: { ':p': S('q') } }, limit: 2, scanIndexForward: false });
    const r1 = first.result as { items: Array<{ sk: number }>; nextToken: string; scannedCount: number };
    expect(r1.items.map((i) => i.sk)).toEqual([5, 4]);
    expect(r1.scannedCount).toBe(2);
    expect(typeof r1.nextToken).toBe('string');
    const second = await run({ operation: 'Query', query: { expression: 'pk = :p', expressionValues: { ':p': S('q') } }, limit: 10, scanIndexForward: false, nextToken: r1.nextToken });
    const r2 = second.result as { items: Array<{ sk: number }>; nextToken: string | null };
    expect(r2.items.map((i) => i.sk)).toEqual([3, 2, 1]);
    expect(r2.nextToken).toBeNull();

    const filtered = await run({
      operation: 'Query',
      query: { expression: 'pk = :p AND sk BETWEEN :a AND :b', expressionValues: { ':p': S('q'), ':a': N(1), ':b': N(4) } },
      filter: { expression: '#o = :o', expressionNames: { '#o': 'owner' }, expressionValues: { ':o': S('odd') } },
    });
    expect((filtered.result as { items: Array<{ sk: number }>; scannedCount: number }).items.map((i) => i.sk)).toEqual([1, 3]);
    expect((filtered.result as { scannedCount: number }).scannedCount).toBe(4);

    const byIndex = await run({ operation: 'Query', index: 'byOwner', query: { expression: '#o = :o', expressionNames: { '#o': 'owner' }, expressionValues: { ':o': S('even') } } });
    expect((byIndex.result as { items: Array<{ sk: number }> }).items.map((i) => i.sk)).toEqual([2, 4]);
  });

  it('scans with a filter and refuses a token from another query', async () => {
    const scan = await run({ operation: 'Scan', filter: { expression: 'pk = :p', expressionValues: { ':p': S('q') } } });
    expect((scan.result as { items: unknown[] }).items).toHaveLength(5);
    const page = await run({ operation: 'Scan', limit: 1 });
    const token = (page.result as { nextToken: string }).nextToken;
    const wrong = await run({ operation: 'Query', index: 'byOwner', query: { expression: '#o = :o', expressionNames: { '#o': 'owner' }, expressionValues: { ':o': S('odd') } }, nextToken: token });
    expect(wrong.error?.type).toBe('DynamoDB:DynamoDbException');
    expect(wrong.error?.message).toMatch(/Invalid pagination token/);
    expect((await run({ operation: 'Scan', nextToken: 'garbage!' })).error?.type).toBe('DynamoDB:DynamoDbException');
  });
});

describe('batches', () => {
  it('BatchPutItem, BatchGetItem (in key order, null when absent) and BatchDeleteItem, keyed by table', async () => {
    const put = await run({
      operation: 'BatchPutItem',
      tables: {
        docs: [
          { pk: S('b'), sk: N(1), v: S('one') },
          { pk: S('b'), sk: N(2), v: S('two') },
        ],
        t_tags: [{ id: S('red') }],
      },
    });
    expect(put).toEqual({
      result: {
        data: {
          docs: [
            { pk: 'b', sk: 1, v: 'one' },
            { pk: 'b', sk: 2, v: 'two' },
          ],
          t_tags: [{ id: 'red' }],
        },
        unprocessedItems: { docs: [], t_tags: [] },
      },
    });
    const get = await run({
      operation: 'BatchGetItem',
      tables: {
        docs: {
          keys: [
            { pk: S('b'), sk: N(2) },
            { pk: S('b'), sk: N(9) },
            { pk: S('b'), sk: N(1) },
          ],
          consistentRead: true,
        },
        t_tags: { keys: [{ id: S('red') }] },
      },
    });
    expect(get).toEqual({
      result: { data: { docs: [{ pk: 'b', sk: 2, v: 'two' }, null, { pk: 'b', sk: 1, v: 'one' }], t_tags: [{ id: 'red' }] }, unprocessedKeys: { docs: [], t_tags: [] } },
    });
    const del = await run({ operation: 'BatchDeleteItem', tables: { docs: [{ pk: S('b'), sk: N(1) }] } });
    expect(del).toEqual({ result: { data: { docs: [{ pk: 'b', sk: 1 }] }, unprocessedKeys: { docs: [] } } });
    expect((await run({ operation: 'GetItem', key: { pk: S('b'), sk: N(1) } })).result).toBeNull();
  });
});

describe('transactions', () => {
  it('TransactWriteItems commits atomically and returns the keys in order', async () => {
    const out = await run({
      operation: 'TransactWriteItems',
      transactItems: [
        { table: 'docs', operation: 'PutItem', key: { pk: S('tx'), sk: N(1) }, attributeValues: { version: N(1) }, condition: { expression: 'attribute_not_exists(pk)' } },
        { table: 'tags', operation: 'PutItem', key: { id: S('tx-tag') }, attributeValues: {} },
      ],
    });
    expect(out).toEqual({ result: { keys: [{ pk: 'tx', sk: 1 }, { id: 'tx-tag' }], cancellationReasons: null } });
    const read = await run({
      operation: 'TransactGetItems',
      transactItems: [
        { table: 'docs', key: { pk: S('tx'), sk: N(1) } },
        { table: 'tags', key: { id: S('none') } },
      ],
    });
    expect(read).toEqual({ result: { items: [{ pk: 'tx', sk: 1, version: 1 }, null], cancellationReasons: null } });
  });

  it('a cancelled transaction sets ctx.error and per-item cancellationReasons with the current item, and writes nothing', async () => {
    const out = await run({
      operation: 'TransactWriteItems',
      transactItems: [
        { table: 'tags', operation: 'PutItem', key: { id: S('never') }, attributeValues: {} },
        {
          table: 'docs',
          operation: 'UpdateItem',
          key: { pk: S('tx'), sk: N(1) },
          update: { expression: 'SET version = :n', expressionValues: { ':n': N(3) } },
          condition: { expression: 'version = :base', expressionValues: { ':base': N(2) }, returnValuesOnConditionCheckFailure: true },
        },
        { table: 'docs', operation: 'ConditionCheck', key: { pk: S('tx'), sk: N(1) }, condition: { expression: 'attribute_exists(pk)' } },
      ],
    });
    expect(out.error?.type).toBe('DynamoDB:TransactionCanceledException');
    expect(out.error?.message).toMatch(/Transaction cancelled.*\[None, ConditionalCheckFailed, None\]/);
    expect(out.result).toEqual({
      keys: null,
      cancellationReasons: [
        { type: 'None', message: 'None' },
        { type: 'ConditionalCheckFailed', message: 'The conditional request failed', item: { pk: 'tx', sk: 1, version: 1 } },
        { type: 'None', message: 'None' },
      ],
    });
    expect((await run({ operation: 'GetItem', key: { pk: S('tx'), sk: N(1) } })).result).toEqual({ pk: 'tx', sk: 1, version: 1 });
    const tags = createDynamoDbDataSource({ name: 'tags', client: ddb.client, table: nameOf('tags'), resolveTable: (n) => n });
    expect((await tags.invoke({ operation: 'GetItem', key: { id: S('never') } }, call)).result).toBeNull();
  });

  it('omits the item when returnValuesOnConditionCheckFailure is false', async () => {
    const out = await run({
      operation: 'TransactWriteItems',
      transactItems: [{ table: 'docs', operation: 'DeleteItem', key: { pk: S('tx'), sk: N(1) }, condition: { expression: 'attribute_not_exists(pk)', returnValuesOnConditionCheckFailure: false } }],
    });
    expect(out.result).toEqual({ keys: null, cancellationReasons: [{ type: 'ConditionalCheckFailed', message: 'The conditional request failed' }] });
  });
});

describe('malformed requests and service errors', () => {
  it.each([
    [{ key: {} }, /\$\[operation\]' not found/],
    [{ operation: 'Frobnicate' }, /Unsupported operation 'Frobnicate'/],
    [{ operation: 'Sync' }, /Unsupported operation 'Sync'/],
    [{ operation: 'GetItem' }, /\$\[key\]' not found/],
    [{ operation: 'GetItem', key: { pk: 'plain' } }, /typed value/],
    [{ operation: 'GetItem', key: { pk: { X: 1 } } }, /exactly one of/],
    [{ operation: 'UpdateItem', key: { pk: S('a'), sk: N(1) } }, /\$\[update\]' not found/],
    [{ operation: 'Query', query: { expression: 'pk = :p' }, limit: -1 }, /limit/],
    [{ operation: 'TransactWriteItems', transactItems: [{ table: 'docs', operation: 'Explode', key: { pk: S('a'), sk: N(1) } }] }, /Unsupported operation 'Explode'/],
    [{ operation: 'TransactWriteItems', transactItems: [{ table: 'docs', operation: 'ConditionCheck', key: { pk: S('a'), sk: N(1) } }] }, /\[condition\]' not found/],
    ['not an object', /JSON object/],
  ])('%j → MappingTemplate', async (req, message) => {
    const out = await run(req);
    expect(out.error?.type).toBe('MappingTemplate');
    expect(out.error?.message).toMatch(message);
  });

  it('reports DynamoDB validation errors as DynamoDB:DynamoDbException and unknown tables as ResourceNotFoundException', async () => {
    const bad = await run({ operation: 'GetItem', key: { pk: S('a') } });
    expect(bad.error?.type).toBe('DynamoDB:DynamoDbException');
    expect(bad.error?.message).toMatch(/\(Service: DynamoDb, Status Code: 400, Request ID: .+\)$/);
    const missing = await run({ operation: 'TransactGetItems', transactItems: [{ table: 'no_such_table', key: { id: S('x') } }] });
    expect(missing.error?.type).toBe('DynamoDB:ResourceNotFoundException');
  });
});
