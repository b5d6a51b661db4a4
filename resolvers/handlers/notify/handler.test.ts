/**
 * The notify handler against real parts: DynamoDB Local for the file's head and members, and the
 * runtime's PutEvents endpoint (EventBridge's JSON protocol, SigV4-checked) reached by the unmodified
 * EventBridge SDK through AWS_ENDPOINT_URL_EVENTBRIDGE. A stand-in bus answers one entry with
 * EventBridge's per-entry failure to show that only that record is reported back to the stream.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../../infra/api.ts';
import { LocalEventBus, type PutEventsEntry, type PutEventsResult } from '../../../infra/local/services/event-bus.ts';
import { startEventsServer, type EventsServer } from '../../../infra/local/services/events-server.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../../infra/local/services/dynamodb-local.ts';
import { ensureTables } from '../../../infra/local/services/tables.ts';
import { handler } from './handler.ts';
import type { FileChangedDetail, StreamRecord } from './events.ts';

const creds = { accessKeyId: 'AKIALOCALTEST', secretAccessKey: 'local-test-secret' };
let dynamo: DynamoDbLocal;
let bus: LocalEventBus;
let events: EventsServer;
/** Fails the second entry of every call, as EventBridge does on an internal failure. */
let failing: EventsServer;

const change = (fileId: string, version: number, op = 'MODIFY') => ({
  pk: `FILE#${fileId}`,
  sk: `V#${String(version).padStart(10, '0')}`,
  fileId,
  version,
  op,
  author: 'sub-alice',
  at: `2026-11-27T02:00:${String(version).padStart(2, '0')}.000Z`,
  name: 'a.txt',
  contentType: 'text/plain',
  encoding: 'TEXT',
  size: version,
  length: version,
  sha256: String(version).repeat(64),
  requestId: `r${version}`,
  deleted: op === 'DELETE',
  expiresAt: 1_900_000_000,
});
let seq = 1000;
const insert = (item: Record<string, unknown>): StreamRecord => ({
  eventName: 'INSERT',
  dynamodb: { Keys: marshall({ pk: item.pk, sk: item.sk }), NewImage: marshall(item), SequenceNumber: String(++seq) },
});
const seqOf = (r: StreamRecord) => r.dynamodb!.SequenceNumber!;

function useEndpoint(endpoint: string, secret = creds.secretAccessKey) {
  Object.assign(process.env, { AWS_ENDPOINT_URL_EVENTBRIDGE: endpoint, AWS_SECRET_ACCESS_KEY: secret });
}

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({});
  await ensureTables(dynamo.client, api.tables, (k) => k);
  const put = (item: Record<string, unknown>) => dynamo.client.send(new PutItemCommand({ TableName: 'files', Item: marshall(item) }));
  await put({ pk: 'FILE#f1', sk: 'HEAD', owner: 'sub-alice', version: 3 });
  await put({ pk: 'FILE#f1', sk: 'ACL#sub-alice', member: 'sub-alice', role: 'OWNER' });
  await put({ pk: 'FILE#f1', sk: 'ACL#sub-bob', member: 'sub-bob', role: 'EDITOR' });
  await put({ pk: 'FILE#f1', sk: 'ACL#sub-eve', member: 'sub-eve', role: 'REVOKED' });
  await put({ pk: 'FILE#f2', sk: 'HEAD', owner: 'sub-carol', version: 1 });
  await put({ pk: 'FILE#f2', sk: 'ACL#sub-carol', member: 'sub-carol', role: 'OWNER' });
  bus = new LocalEventBus({ log: () => {} });
  events = await startEventsServer({ bus, credentials: [creds], region: 'us-east-1' });
  const failingBus = {
    putEvents: async (entries: PutEventsEntry[]): Promise<PutEventsResult> => {
      const Entries = entries.map((_, i) => (i === 1 ? { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service error.' } : { EventId: `ok-${i}` }));
      return { Entries, FailedEntryCount: Entries.filter((e) => 'ErrorCode' in e).length };
    },
  };
  failing = await startEventsServer({ bus: failingBus, credentials: [creds], region: 'us-east-1' });
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    FILES_TABLE: 'files',
    EVENT_BUS: 'events',
  });
}, 120_000);

afterAll(async () => {
  await events?.stop();
  await failing?.stop();
  await dynamo?.stop();
});

describe('notify handler', () => {
  it('publishes one FileChanged per new change record, with the members read from the table', async () => {
    useEndpoint(events.endpoint);
    const before = bus.recent.length;
    const out = await handler({
      Records: [
        insert(change('f1', 2)),
        { eventName: 'MODIFY', dynamodb: { Keys: marshall({ pk: 'FILE#f1', sk: 'HEAD' }), NewImage: marshall({ pk: 'FILE#f1', sk: 'HEAD' }) } },
        insert(change('f1', 3)),
        { eventName: 'REMOVE', dynamodb: { Keys: marshall({ pk: 'FILE#f1', sk: 'V#0000000001' }) } },
        insert(change('f2', 1, 'INSERT')),
      ],
    });
    expect(out.published).toEqual(['f1:2', 'f1:3', 'f2:1']);
    const got = bus.recent.slice(before);
    expect(got.map((e) => ({ bus: e.bus, source: e.source, type: e['detail-type'], time: e.time }))).toEqual([
      { bus: 'events', source: 'craft-sync.files', type: 'FileChanged', time: '2026-11-27T02:00:02Z' },
      { bus: 'events', source: 'craft-sync.files', type: 'FileChanged', time: '2026-11-27T02:00:03Z' },
      { bus: 'events', source: 'craft-sync.files', type: 'FileChanged', time: '2026-11-27T02:00:01Z' },
    ]);
    const details = got.map((e) => e.detail as FileChangedDetail);
    expect(details[0]).toMatchObject({ changeId: 'f1:2', owner: 'sub-alice', members: ['sub-alice', 'sub-bob'], size: 2 });
    expect(details[2]).toMatchObject({ changeId: 'f2:1', op: 'INSERT', owner: 'sub-carol', members: ['sub-carol'] });
  });

  it('more than 10 changes go out in several PutEvents calls', async () => {
    useEndpoint(events.endpoint);
    const out = await handler({ Records: Array.from({ length: 23 }, (_, i) => insert(change('f1', i + 10))) });
    expect(out.published).toHaveLength(23);
  });

  it('a batch with nothing new makes no call', async () => {
    useEndpoint('http://127.0.0.1:9'); // nothing listens: a call would fail
    await expect(handler({ Records: [{ eventName: 'REMOVE', dynamodb: { Keys: marshall({ pk: 'FILE#f1', sk: 'V#0000000002' }) } }] })).resolves.toEqual({ published: [], batchItemFailures: [] });
  });

  it('a poison record (an op no event can carry) is reported and its neighbours are published', async () => {
    useEndpoint(events.endpoint);
    const before = bus.recent.length;
    const records = [insert(change('f1', 40)), insert(change('f1', 41, 'RENAME')), insert(change('f2', 42, 'INSERT'))];
    const out = await handler({ Records: records });
    expect(out).toEqual({ published: ['f1:40', 'f2:42'], batchItemFailures: [{ itemIdentifier: seqOf(records[1]!) }] });
    expect(bus.recent.slice(before).map((e) => (e.detail as FileChangedDetail).changeId)).toEqual(['f1:40', 'f2:42']);
  });

  it('an entry EventBridge fails is reported alone in the partial batch response; the others go out', async () => {
    useEndpoint(failing.endpoint);
    const records = [insert(change('f1', 2)), insert(change('f1', 3))];
    const out = await handler({ Records: records });
    expect(out).toEqual({ published: ['f1:2'], batchItemFailures: [{ itemIdentifier: seqOf(records[1]!) }] });
  });

  it('a request the endpoint refuses (bad signature) reports every record of that call', async () => {
    useEndpoint(events.endpoint, 'not-the-secret');
    const records = [insert(change('f1', 2)), insert(change('f2', 3, 'INSERT'))];
    const out = await handler({ Records: records });
    expect(out).toEqual({ published: [], batchItemFailures: records.map((r) => ({ itemIdentifier: seqOf(r) })) });
  });

  it('a failed record without a sequence number cannot be named, so the whole batch fails', async () => {
    useEndpoint(events.endpoint, 'not-the-secret');
    const record = insert(change('f1', 2));
    delete record.dynamodb!.SequenceNumber;
    await expect(handler({ Records: [record] })).rejects.toMatchObject({ name: 'InvalidSignatureException' });
  });
});
