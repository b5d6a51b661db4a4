/**
 * craft-sync's notify handler as the runtime runs it (infra/api.ts's declaration: its filter, the
 * mapping's retries): DynamoDB Local's stream, the real handler, the runtime's PutEvents endpoint
 * and bus, and the handler's failure queue. A batch holding one poison change record delivers every
 * other change as an event, and the poison record ends in the failure destination.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { api } from '../../api.ts';
import type { FileChangedDetail } from '../../../resolvers/handlers/notify/events.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';
import { LocalEventBus } from './event-bus.ts';
import { startEventsServer, type EventsServer } from './events-server.ts';
import type { StreamFailure } from './stream-trigger.ts';
import { startStreamHandlers } from './stream-handlers.ts';
import { ensureTables } from './tables.ts';

const creds = { accessKeyId: 'AKIALOCALSTREAM', secretAccessKey: 'local-stream-secret' };
let dynamo: DynamoDbLocal;
let bus: LocalEventBus;
let events: EventsServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'craft-sync-streams-'));
  dynamo = await startDynamoDbLocal({});
  await ensureTables(dynamo.client, api.tables, (k) => k);
  bus = new LocalEventBus({ log: () => {} });
  events = await startEventsServer({ bus, credentials: [creds], region: 'us-east-1' });
}, 120_000);

afterAll(async () => {
  await events?.stop();
  await dynamo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const change = (fileId: string, version: number, op: string) => ({
  pk: `FILE#${fileId}`,
  sk: `V#${String(version).padStart(10, '0')}`,
  fileId,
  version,
  op,
  author: 'sub-alice',
  at: '2026-12-03T10:00:00.000Z',
  name: 'a.txt',
  contentType: 'text/plain',
  encoding: 'TEXT',
  size: 1,
  sha256: 'a'.repeat(64),
  members: ['sub-alice', 'sub-bob'],
  recipients: ['sub-bob'],
});

it('a batch with a poison record: every other change is published, the poison record reaches the failure queue', async () => {
  const put = (item: Record<string, unknown>) => dynamo.client.send(new PutItemCommand({ TableName: 'files', Item: marshall(item) }));
  // Written before the handler starts, so they reach it as one batch. 'RENAME' is no op an event can carry.
  await put(change('f1', 1, 'INSERT'));
  await put({ pk: 'FILE#f1', sk: 'HEAD', version: 1 }); // filtered out: notify sees only change records
  await put(change('f1', 2, 'MODIFY'));
  await put(change('f1', 3, 'RENAME'));
  await put(change('f2', 1, 'INSERT'));
  await put(change('f1', 4, 'MODIFY'));

  const notify = api.streamHandlers!.filter((h) => h.handler.endsWith('notify/handler.ts'));
  const streams = await startStreamHandlers({
    api: { ...api, streamHandlers: notify },
    dynamo,
    tableName: (k) => k,
    resolveEnv: (v) => (typeof v === 'string' ? v : 'tableName' in v ? 'files' : 'events'),
    lambdaEnvironment: { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_ENDPOINT_URL_EVENTBRIDGE: events.endpoint },
    dataDir,
    retryBaseMs: 5,
    log: () => {},
  });
  try {
    await streams.drain();
  } finally {
    await streams.stop();
  }
  await bus.flush();

  // At least once: the records after the poison one are handled again on each retry.
  const published = new Set(bus.recent.map((e) => (e.detail as FileChangedDetail).changeId));
  expect(published).toEqual(new Set(['f1:1', 'f1:2', 'f2:1', 'f1:4']));
  const queue = streams.failureQueues.notify!;
  const messages = queue.receive(10).map((m) => JSON.parse(m.Body) as StreamFailure);
  expect(messages).toHaveLength(1);
  const [failure] = messages;
  expect(failure!.requestContext.condition).toBe('RetryAttemptsExhausted');
  // Lambda retries from the lowest failed record, so the message names the range from the poison record on.
  expect(failure!.records[0]!.dynamodb!.Keys).toEqual(marshall({ pk: 'FILE#f1', sk: 'V#0000000003' }));
  expect(failure!.DDBStreamBatchInfo.startSequenceNumber).toBe(failure!.records[0]!.dynamodb!.SequenceNumber);
});
