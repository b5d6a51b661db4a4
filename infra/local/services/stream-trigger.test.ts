import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';
import { ensureTables } from './tables.ts';
import { startStreamTrigger, type StreamFailure } from './stream-trigger.ts';

let ddb: DynamoDbLocal;
beforeAll(async () => {
  ddb = await startDynamoDbLocal({});
  await ensureTables(ddb.client, { log: { partitionKey: { name: 'pk', type: 'S' }, stream: 'NEW_AND_OLD_IMAGES' } }, (k) => k);
}, 60_000);
afterAll(() => ddb?.stop());

it('hands every stream record to the handler in Lambda event shape, in order, retrying a failed batch', async () => {
  const seen: string[] = [];
  let failOnce = true;
  const trigger = await startStreamTrigger({
    dynamodb: ddb.client,
    endpoint: ddb.endpoint,
    table: 'log',
    batchSize: 3,
    pollIntervalMs: 20,
    invoke: async (event) => {
      if (failOnce) {
        failOnce = false;
        throw new Error('transient');
      }
      for (const r of event.Records) {
        expect(r.eventSourceARN).toMatch(/stream/);
        seen.push(`${r.eventName}:${r.dynamodb?.NewImage?.pk?.S}`);
      }
    },
  });
  for (let i = 0; i < 7; i++) await ddb.client.send(new PutItemCommand({ TableName: 'log', Item: { pk: { S: `k${i}` } } }));
  await trigger.drain();
  await trigger.stop();
  expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `INSERT:k${i}`));
});

describe('the event source mapping semantics', () => {
  const put = (table: string, pk: string, extra: Record<string, { S: string }> = {}) => ddb.client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, ...extra } }));
  let n = 0;
  const freshTable = async () => {
    const name = `table${n++}`;
    await ensureTables(ddb.client, { [name]: { partitionKey: { name: 'pk', type: 'S' }, stream: 'NEW_AND_OLD_IMAGES' } }, (k) => k);
    return name;
  };

  it('delivers only records matching a filter (Lambda filter patterns)', async () => {
    const table = await freshTable();
    const seen: string[] = [];
    const trigger = await startStreamTrigger({
      dynamodb: ddb.client,
      endpoint: ddb.endpoint,
      table,
      pollIntervalMs: 20,
      filters: [{ eventName: ['INSERT'], dynamodb: { Keys: { pk: { S: [{ prefix: 'V#' }] } } } }],
      invoke: async (event) => void seen.push(...event.Records.map((r) => r.dynamodb!.Keys!.pk!.S!)),
    });
    for (const pk of ['V#1', 'HEAD', 'V#2', 'REQ#x']) await put(table, pk);
    await put(table, 'V#1', { touched: { S: 'yes' } }); // a MODIFY of a V# key
    await trigger.drain();
    await trigger.stop();
    expect(seen).toEqual(['V#1', 'V#2']);
  });

  it('a poison record reported in the partial batch response: every other record is handled, the poison one reaches the failure destination', async () => {
    const table = await freshTable();
    // Written before the trigger starts (it reads from the oldest record), so they arrive as one batch.
    for (const pk of ['a', 'b', 'poison', 'c', 'd']) await put(table, pk);
    const handled: string[] = [];
    const invocations: string[][] = [];
    const failures: StreamFailure[] = [];
    const trigger = await startStreamTrigger({
      dynamodb: ddb.client,
      endpoint: ddb.endpoint,
      table,
      batchSize: 10,
      pollIntervalMs: 20,
      maxRetries: 2,
      retryBaseMs: 5,
      onFailure: (f) => void failures.push(f),
      // As the stream handlers do: each record on its own, the failed one named by sequence number.
      invoke: async (event) => {
        invocations.push(event.Records.map((r) => r.dynamodb!.Keys!.pk!.S!));
        const batchItemFailures = [];
        for (const r of event.Records) {
          const pk = r.dynamodb!.Keys!.pk!.S!;
          if (pk === 'poison') batchItemFailures.push({ itemIdentifier: r.dynamodb!.SequenceNumber! });
          else handled.push(pk);
        }
        return { batchItemFailures };
      },
    });
    await trigger.drain();
    await trigger.stop();
    // The first invocation handles all five; each retry starts at the poison record (a, b are checkpointed).
    expect(invocations).toEqual([
      ['a', 'b', 'poison', 'c', 'd'],
      ['poison', 'c', 'd'],
      ['poison', 'c', 'd'],
    ]);
    expect(new Set(handled)).toEqual(new Set(['a', 'b', 'c', 'd']));
    expect(failures).toHaveLength(1);
    const [f] = failures;
    expect(f!.requestContext).toEqual({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 });
    expect(f!.records.map((r) => r.dynamodb!.Keys!.pk!.S)).toEqual(['poison', 'c', 'd']);
    expect(f!.DDBStreamBatchInfo).toMatchObject({ batchSize: 3, startSequenceNumber: f!.records[0]!.dynamodb!.SequenceNumber, streamArn: expect.stringMatching(/stream/) });
  });

  it('a batch failing as a whole is halved on each retry until the poison record stands alone', async () => {
    const table = await freshTable();
    for (const pk of ['a', 'b', 'c', 'd', 'p', 'e', 'f', 'g']) await put(table, pk);
    const delivered: string[] = [];
    const failures: StreamFailure[] = [];
    const trigger = await startStreamTrigger({
      dynamodb: ddb.client,
      endpoint: ddb.endpoint,
      table,
      batchSize: 8,
      pollIntervalMs: 20,
      maxRetries: 4,
      retryBaseMs: 5,
      onFailure: (f) => void failures.push(f),
      invoke: async (event) => {
        const keys = event.Records.map((r) => r.dynamodb!.Keys!.pk!.S!);
        if (keys.includes('p')) throw new Error('cannot handle p');
        delivered.push(...keys);
      },
    });
    await trigger.drain();
    await trigger.stop();
    expect(delivered).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(failures.map((f) => f.records.map((r) => r.dynamodb!.Keys!.pk!.S))).toEqual([['p']]);
    expect(failures[0]!.responseContext.functionError).toBe('cannot handle p');
  });

  it('records older than the maximum record age go to the failure destination undelivered', async () => {
    const table = await freshTable();
    await put(table, 'old');
    await new Promise((r) => setTimeout(r, 1100)); // the stream's creation times have a one-second grain
    const delivered: string[] = [];
    const failures: StreamFailure[] = [];
    const trigger = await startStreamTrigger({
      dynamodb: ddb.client,
      endpoint: ddb.endpoint,
      table,
      pollIntervalMs: 20,
      maxRecordAgeMs: 1,
      onFailure: (f) => void failures.push(f),
      invoke: async (event) => void delivered.push(...event.Records.map((r) => r.dynamodb!.Keys!.pk!.S!)),
    });
    await trigger.drain();
    await trigger.stop();
    expect(delivered).toEqual([]);
    expect(failures.map((f) => [f.requestContext.condition, f.records.map((r) => r.dynamodb!.Keys!.pk!.S)])).toEqual([['RecordAgeExceeded', ['old']]]);
  });

  it('a response naming no record of the batch counts as a failure of the whole batch', async () => {
    const table = await freshTable();
    const failures: StreamFailure[] = [];
    let calls = 0;
    const trigger = await startStreamTrigger({
      dynamodb: ddb.client,
      endpoint: ddb.endpoint,
      table,
      pollIntervalMs: 20,
      maxRetries: 1,
      retryBaseMs: 5,
      bisectOnError: false,
      onFailure: (f) => void failures.push(f),
      invoke: async () => {
        calls++;
        return { batchItemFailures: [{ itemIdentifier: 'not-a-sequence-number' }] };
      },
    });
    await put(table, 'x');
    await trigger.drain();
    await trigger.stop();
    expect(calls).toBe(2);
    expect(failures[0]!.responseContext.functionError).toMatch(/names no record of this batch/);
  });
});
