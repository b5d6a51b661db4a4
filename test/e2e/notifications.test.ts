/**
 * Change notifications end to end: craft-sync's API on the real runtime; insertFile / modifyFile /
 * shareFile / deleteFile over GraphQL; the notify stream handler (fed by DynamoDB Local's stream)
 * puts FileChanged events through the real EventBridge SDK to the runtime's local bus, whose
 * declared rules deliver them to webhooks on loopback (through the same delivery handler AWS runs,
 * verified with the SDK's verifyWebhookSignature), the topic's outbox and HTTP subscribers, and the
 * file-backed queue.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../infra/api.ts';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, verifyWebhookSignature, WEBHOOK_EVENT_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from '../../client/sdk/webhooks.ts';
import type { FileChangedDetail } from '../../resolvers/handlers/notify/events.ts';
import { startStack, type TestStack } from './harness.ts';
import { CHANGES, DELETE, INSERT, MODIFY, SHARE, sha256, user, type SyncUser } from './sync-client.ts';

interface Hit {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  status: number;
}

interface DeliveredEvent {
  id: string;
  source: string;
  'detail-type': string;
  time: string;
  detail: FileChangedDetail;
}

/** A loopback HTTP receiver: /ok answers 200, /flaky fails each event's first two attempts, /down always 503. */
async function startReceiver(): Promise<{ url: string; hits: Hit[]; server: Server }> {
  const hits: Hit[] = [];
  const attempts = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      let status = 200;
      if (path === '/down') status = 503;
      if (path === '/flaky') {
        const key = (JSON.parse(body) as DeliveredEvent).detail.changeId;
        const n = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, n);
        if (n <= 2) status = 500;
      }
      hits.push({ path, headers: req.headers, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

const byVersion = (a: { detail: FileChangedDetail }, b: { detail: FileChangedDetail }) => a.detail.version - b.detail.version;

let stack: TestStack;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let alice: SyncUser;
let bob: SyncUser;
let fileId: string;
const SECRET = generateWebhookSecret();

beforeAll(async () => {
  receiver = await startReceiver();
  stack = await startStack(api, {
    notifications: {
      webhooks: [{ url: `${receiver.url}/ok` }, { url: `${receiver.url}/flaky` }, { url: `${receiver.url}/down` }],
      webhookSecret: SECRET,
      topicSubscribers: {
        notifications: [{ url: `${receiver.url}/topic/all` }],
      },
    },
  });
  alice = user(stack.runtime.graphqlUrl, await stack.tokenFor('alice@example.com'));
  bob = user(stack.runtime.graphqlUrl, await stack.tokenFor('bob@example.com'));
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  receiver?.server.close();
});

describe('FileChanged notifications', () => {
  it('insert, modify, share, modify, delete: one event per version at every target, signed webhooks, a failing webhook retried without blocking the others', { timeout: 120_000 }, async () => {
    // Bob's e-mail-like subscription (his sub is known only now): payload filtering on the members list.
    stack.runtime.notifications!.topics.notifications!.subscribe({ url: `${receiver.url}/topic/bob`, filterPolicyScope: 'MessageBody', filterPolicy: { detail: { members: [bob.sub] } } });

    fileId = randomUUID();
    let text = 'hello';
    const ins = await alice.call(INSERT, { input: { id: fileId, name: 'notes.txt', contentType: 'text/plain', content: text, sha256: sha256(text), requestId: randomUUID() } });
    expect(ins.errors).toBeUndefined();
    text = 'hello world';
    const m1 = await alice.call(MODIFY, { input: { id: fileId, baseVersion: 1, content: text, sha256: sha256(text), requestId: randomUUID() } });
    expect(m1.errors).toBeUndefined();
    // Members are read when the event is published: let v1 and v2 go out before bob joins.
    await stack.runtime.flushNotifications();
    const shared = await alice.call(SHARE, { input: { fileId, userId: bob.sub, role: 'VIEWER' } });
    expect(shared.errors).toBeUndefined();
    const patch = { v: 1, t: 'text', ops: [11, '!'] };
    text = 'hello world!';
    const m2 = await alice.call(MODIFY, { input: { id: fileId, baseVersion: 2, patch: JSON.stringify(patch), sha256: sha256(text), requestId: randomUUID() } });
    expect(m2.errors).toBeUndefined();
    const del = await alice.call(DELETE, { input: { id: fileId, baseVersion: 3, requestId: randomUUID() } });
    expect(del.errors).toBeUndefined();

    await stack.runtime.flushNotifications();
    const expected = [
      { version: 1, op: 'INSERT', members: [alice.sub] },
      { version: 2, op: 'MODIFY', members: [alice.sub] },
      { version: 3, op: 'MODIFY', members: [alice.sub, bob.sub].sort() },
      { version: 4, op: 'DELETE', members: [alice.sub, bob.sub].sort() },
    ];

    // Webhook /ok: each version exactly once, signed (Standard Webhooks) with the configured secret over the
    // event id, the timestamp and the body; the standardwebhooks package verifies it as a receiver would.
    const ok = receiver.hits.filter((h) => h.path === '/ok');
    expect(ok).toHaveLength(4);
    for (const h of ok) {
      expect(h.headers[WEBHOOK_SIGNATURE_HEADER]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(h.headers[WEBHOOK_TIMESTAMP_HEADER]).toMatch(/^\d+$/);
      expect(new Webhook(SECRET).verify(h.body, h.headers as Record<string, string>)).toEqual(JSON.parse(h.body));
      expect(() => new Webhook(generateWebhookSecret()).verify(h.body, h.headers as Record<string, string>)).toThrow(/No matching signature/);
      expect(() => new Webhook(SECRET).verify(h.body.replace('"op":"', '"op":"X'), h.headers as Record<string, string>)).toThrow(/No matching signature/);
      expect(verifyWebhookSignature(SECRET, h.headers, h.body)).toBe(true);
      expect(verifyWebhookSignature(generateWebhookSecret(), h.headers, h.body)).toBe(false);
      expect(verifyWebhookSignature(SECRET, h.headers, h.body.replace('"op":"', '"op":"X'))).toBe(false);
      expect(h.headers[WEBHOOK_EVENT_ID_HEADER]).toBe((JSON.parse(h.body) as DeliveredEvent).id);
      expect(h.headers['content-type']).toBe('application/json');
    }
    const events = ok.map((h) => JSON.parse(h.body) as DeliveredEvent).sort(byVersion);
    expect(events.map((e) => ({ version: e.detail.version, op: e.detail.op, members: e.detail.members }))).toEqual(expected);
    for (const e of events) {
      expect(e).toMatchObject({ source: 'craft-sync.files', 'detail-type': 'FileChanged' });
      expect(e.detail).toMatchObject({ fileId, changeId: `${fileId}:${e.detail.version}`, author: alice.sub, owner: alice.sub, name: 'notes.txt', contentType: 'text/plain', encoding: 'TEXT' });
      // The event time is the commit's, to the second.
      expect(e.time).toBe(`${e.detail.at.slice(0, 19)}Z`);
    }
    expect(events[2]!.detail).toMatchObject({ size: Buffer.byteLength('hello world!'), sha256: sha256('hello world!') });

    // Webhook /flaky: two 500s then 200 for each version, the same event id (body and header) on every attempt, each attempt signed.
    const flaky = receiver.hits.filter((h) => h.path === '/flaky');
    const flakyEvents = flaky.map((h) => ({
      ...(JSON.parse(h.body) as DeliveredEvent),
      status: h.status,
      header: h.headers[WEBHOOK_EVENT_ID_HEADER],
      signed: verifyWebhookSignature(SECRET, h.headers, h.body),
    }));
    for (const v of [1, 2, 3, 4]) {
      const tries = flakyEvents.filter((e) => e.detail.version === v);
      expect(tries.map((t) => t.status)).toEqual([500, 500, 200]);
      expect(new Set(tries.map((t) => t.id)).size).toBe(1);
      expect(tries.map((t) => t.header)).toEqual([tries[0]!.id, tries[0]!.id, tries[0]!.id]);
      expect(tries.every((t) => t.signed)).toBe(true);
      expect(tries[0]!.id).toBe(events[v - 1]!.id);
    }
    // Webhook /down: tried 1 + 3 times per version, then given up (and /ok, /flaky were not held back);
    // each given-up message is in the dead-letter queue as AWS's webhook queue would redrive it.
    expect(receiver.hits.filter((h) => h.path === '/down')).toHaveLength(16);
    expect(stack.logs.filter((l) => l.includes(`${receiver.url}/down`) && l.includes('giving up'))).toHaveLength(4);
    const dead = stack.runtime.notifications!.deadLetterQueue.receive(10).map((m) => JSON.parse(m.Body) as { webhook: string; event: DeliveredEvent });
    expect(dead.map((d) => d.webhook)).toEqual(Array(4).fill(`${receiver.url}/down`));
    expect(dead.map((d) => d.event.id).sort()).toEqual(events.map((e) => e.id).sort());

    // Topic: every event in the outbox; bob's filter policy selects the versions he could see.
    const topic = stack.runtime.notifications!.topics.notifications!;
    const outbox = topic.outbox().map((n) => ({ n, event: JSON.parse(n.Message) as DeliveredEvent }));
    expect(outbox.map((o) => o.event.detail.version).sort()).toEqual([1, 2, 3, 4]);
    for (const o of outbox) expect(o.n).toMatchObject({ Type: 'Notification', TopicArn: topic.arn });
    const topicHits = (who: string) =>
      receiver.hits
        .filter((h) => h.path === `/topic/${who}`)
        .map((h) => (JSON.parse((JSON.parse(h.body) as { Message: string }).Message) as DeliveredEvent).detail.version)
        .sort();
    expect(topicHits('bob')).toEqual([3, 4]);
    expect(topicHits('all')).toEqual([1, 2, 3, 4]);

    // Queue: one message per version; a consumer acts on each (bob reads the change it names) and deletes it.
    const queue = stack.runtime.notifications!.queues.notifications!;
    const messages = queue.receive(10);
    expect(messages).toHaveLength(4);
    const queued = messages.map((m) => JSON.parse(m.Body) as DeliveredEvent).sort(byVersion);
    expect(queued.map((e) => e.detail.changeId)).toEqual(events.map((e) => e.detail.changeId));
    const v3 = queued[2]!.detail;
    const read = await bob.call(CHANGES, { fileId: v3.fileId, sinceVersion: v3.version - 1 });
    const items = (read.data?.getFileChanges as { items: Array<{ version: number; sha256: string }> } | null)?.items;
    // Deleted since, the log still holds v3: the consumer gets exactly the change the event names.
    expect(read.errors).toBeUndefined();
    expect(items?.[0]).toMatchObject({ version: 3, op: 'MODIFY', sha256: v3.sha256, size: v3.size });
    for (const m of messages) queue.delete(m.ReceiptHandle);
    expect(queue.count()).toBe(0);
  });

  it('an expiring change record (a stream REMOVE) and head updates publish nothing', { timeout: 60_000 }, async () => {
    const before = receiver.hits.filter((h) => h.path === '/ok').length;
    const outboxBefore = stack.runtime.notifications!.topics.notifications!.outbox().length;
    await stack.runtime.dynamodb.client.send(new DeleteItemCommand({ TableName: stack.runtime.tableName('files'), Key: { pk: { S: `FILE#${fileId}` }, sk: { S: 'V#0000000001' } } }));
    await stack.runtime.flushNotifications();
    expect(receiver.hits.filter((h) => h.path === '/ok')).toHaveLength(before);
    expect(stack.runtime.notifications!.topics.notifications!.outbox()).toHaveLength(outboxBefore);
    expect(stack.runtime.notifications!.queues.notifications!.count()).toBe(0);
  });
});
