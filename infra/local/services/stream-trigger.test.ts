import { afterAll, beforeAll, expect, it } from 'vitest';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';
import { ensureTables } from './tables.ts';
import { startStreamTrigger } from './stream-trigger.ts';

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
