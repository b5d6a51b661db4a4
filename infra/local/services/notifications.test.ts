/**
 * The local notification stand-ins on their own: the PutEvents endpoint (EventBridge's JSON protocol
 * through the real SDK, SigV4 checked), the topic (outbox, filter policies in both scopes, HTTP
 * subscribers with retries), the file-backed queue, webhooks through the delivery handler with the
 * dead-letter stand-in, and the notifications config file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventBridgeClient, ListRulesCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret, verifyWebhookSignature, WEBHOOK_EVENT_ID_HEADER } from '../../../client/sdk/webhooks.ts';
import type { ApiDefinition } from '../../wiring/types.ts';
import { LocalEventBus } from './event-bus.ts';
import { startEventsServer, type EventsServer } from './events-server.ts';
import { loadNotificationsConfig, startNotifications } from './notifications.ts';
import { LocalQueue } from './queue.ts';
import { accepts, LocalTopic } from './topic.ts';
import { LocalLambda } from './lambda/service.ts';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const stops: Array<() => Promise<void>> = [];

const [COMMON, OWN] = [generateWebhookSecret(), generateWebhookSecret()];

const creds = { accessKeyId: 'AKIALOCALNOTIFY', secretAccessKey: 'notify-secret' };
let dir: string;
let bus: LocalEventBus;
let server: EventsServer;
let receiver: Server;
let receiverUrl: string;
const hits: Array<{ path: string; body: string; headers: Record<string, unknown> }> = [];
let failuresLeft = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'craft-sync-notify-'));
  bus = new LocalEventBus({ log: () => {} });
  server = await startEventsServer({ bus, credentials: [creds], region: 'us-east-1' });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits.push({ path: req.url ?? '/', body, headers: req.headers });
      if (req.url === '/flaky' && failuresLeft-- > 0) res.writeHead(502).end();
      else if (req.url === '/down') res.writeHead(503).end();
      else res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of stops) await s();
  await server?.stop();
  receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

const client = (secretAccessKey = creds.secretAccessKey) =>
  new EventBridgeClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: creds.accessKeyId, secretAccessKey }, maxAttempts: 1 });

describe('local PutEvents endpoint', () => {
  it("accepts the SDK's PutEvents onto the named bus (a bus ARN names it too)", async () => {
    const seen: unknown[] = [];
    bus.addRule({ name: 'r', bus: 'events', eventPattern: { source: ['t.src'] }, targets: [{ handler: (e) => void seen.push(e.detail) }] });
    const out = await client().send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'events', Source: 't.src', DetailType: 'T', Detail: '{"n":1}', Time: new Date('2026-01-02T03:04:05Z') },
          { EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/events', Source: 't.src', DetailType: 'T', Detail: '{"n":2}' },
          { EventBusName: 'events', Source: 't.src', DetailType: 'T', Detail: 'not json' },
        ],
      }),
    );
    await bus.flush();
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries![2]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    expect(seen).toEqual([{ n: 1 }, { n: 2 }]);
    expect(bus.recent.find((e) => (e.detail as { n?: number }).n === 1)?.time).toBe('2026-01-02T03:04:05Z');
  });

  it('refuses a wrong signature, an unknown operation and a request over the entry limit', async () => {
    await expect(client('wrong').send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'T', Detail: '{}' }] }))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    await expect(client().send(new ListRulesCommand({}))).rejects.toMatchObject({ name: 'UnknownOperationException' });
    const eleven = Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'T', Detail: '{}' }));
    await expect(client().send(new PutEventsCommand({ Entries: eleven }))).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('local topic', () => {
  it('keeps every message in the outbox and delivers to the subscribers whose filter policy matches, retrying failures', async () => {
    failuresLeft = 2;
    const topic = new LocalTopic('t1', join(dir, 't1'), {
      retries: 3,
      subscribers: [
        { url: `${receiverUrl}/bob`, filterPolicyScope: 'MessageBody', filterPolicy: { detail: { members: ['bob'] } } },
        { url: `${receiverUrl}/big`, filterPolicy: { size: [{ numeric: ['>', 100] }] } },
        { url: `${receiverUrl}/flaky` },
      ],
    });
    const a = topic.publish({ message: JSON.stringify({ detail: { members: ['alice', 'bob'] } }), messageAttributes: { size: { Type: 'Number', Value: '5' } } });
    const b = topic.publish({ message: JSON.stringify({ detail: { members: ['alice'] } }), messageAttributes: { size: { Type: 'Number', Value: '500' } } });
    await topic.flush();
    expect(topic.outbox().map((n) => n.MessageId)).toEqual([a.MessageId, b.MessageId]);
    const ids = (path: string) => hits.filter((h) => h.path === path).map((h) => (JSON.parse(h.body) as { MessageId: string }).MessageId);
    expect(ids('/bob')).toEqual([a.MessageId]);
    expect(ids('/big')).toEqual([b.MessageId]);
    // Two 502s, then each message once more: every message delivered.
    expect(new Set(ids('/flaky'))).toEqual(new Set([a.MessageId, b.MessageId]));
    expect(ids('/flaky')).toHaveLength(4);
    const bobHit = hits.find((h) => h.path === '/bob')!;
    expect(bobHit.headers['x-amz-sns-message-type']).toBe('Notification');
    expect(JSON.parse(bobHit.body)).toMatchObject({ Type: 'Notification', TopicArn: topic.arn });
  });

  it('matches String.Array attributes element-wise and rejects a non-JSON body in MessageBody scope', () => {
    const n = { Message: 'plain text', MessageAttributes: { members: { Type: 'String.Array' as const, Value: '["alice","bob"]' } } };
    expect(accepts({ filterPolicy: { members: ['bob'] } }, n)).toBe(true);
    expect(accepts({ filterPolicy: { members: ['carol'] } }, n)).toBe(false);
    expect(accepts({ filterPolicy: { members: ['bob'] }, filterPolicyScope: 'MessageBody' }, n)).toBe(false);
    expect(() => new LocalTopic('bad', join(dir, 'bad'), { subscribers: [{ url: receiverUrl, filterPolicy: { x: 'not an array' } }] })).toThrow(/Event pattern is not valid/);
  });
});

describe('local queue', () => {
  it('is durable across instances, oldest first, until each message is deleted', () => {
    const q = new LocalQueue('q', join(dir, 'q'));
    const sent = ['one', 'two', 'three'].map((b) => q.send(b));
    const again = new LocalQueue('q', join(dir, 'q'));
    const got = again.receive(2);
    expect(got.map((m) => m.Body)).toEqual(['one', 'two']);
    expect(got[0]).toMatchObject({ MessageId: sent[0]!.MessageId, MD5OfBody: sent[0]!.MD5OfMessageBody });
    again.delete(got[0]!.ReceiptHandle);
    expect(q.receive(10).map((m) => m.Body)).toEqual(['two', 'three']);
    expect(() => q.receive(11)).toThrow(/between 1 and 10/);
    // A receipt handle cannot reach outside the queue's directory.
    q.delete('../../outside.json');
    expect(q.count()).toBe(2);
  });
});

describe('local webhooks', () => {
  it('run the delivery handler per webhook with its own key; one that keeps failing is retried, then dead-lettered', async () => {
    const api = {
      root: repoRoot,
      buses: { events: { rules: { toHooks: { eventPattern: { source: ['craft-sync.files'] }, targets: [{ webhooks: true }] } } } },
      webhookDelivery: { handler: 'resolvers/handlers/webhooks/handler.ts' },
    } as unknown as ApiDefinition;
    const lines: string[] = [];
    const hookBus = new LocalEventBus({ retries: 1, log: (l) => lines.push(l) });
    const [a, b, down] = ['/hook-a', '/hook-b', '/down'].map((p) => `${receiverUrl}${p}`) as [string, string, string];
    // The delivery function signs its Secrets Manager calls with these, as a Lambda role's.
    const lambda = new LocalLambda({
      root: repoRoot,
      resolveEnv: () => '',
      environment: { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey },
      log: (l) => lines.push(l),
    });
    const local = await startNotifications({
      api,
      bus: hookBus,
      dataDir: join(dir, 'webhooks'),
      config: { webhooks: [{ url: a }, { url: b, secret: OWN }, { url: down }] },
      webhookSecret: COMMON,
      region: 'us-east-1',
      lambda,
      credentials: [creds],
      log: (l) => lines.push(l),
    });
    stops.push(() => local.stop());
    expect(local.webhooks).toEqual([a, b, down]);
    hits.length = 0;
    const out = await hookBus.putEvents([{ Source: 'craft-sync.files', DetailType: 'FileChanged', Detail: '{"changeId":"f:1"}', EventBusName: 'events' }]);
    const eventId = (out.Entries[0] as { EventId: string }).EventId;
    await hookBus.flush();
    const at = (path: string) => hits.filter((h) => h.path === path);
    expect(at('/hook-a')).toHaveLength(1);
    expect(at('/hook-b')).toHaveLength(1);
    expect(verifyWebhookSignature(COMMON, at('/hook-a')[0]!.headers as never, at('/hook-a')[0]!.body)).toBe(true);
    expect(verifyWebhookSignature(OWN, at('/hook-b')[0]!.headers as never, at('/hook-b')[0]!.body)).toBe(true);
    expect(verifyWebhookSignature(COMMON, at('/hook-b')[0]!.headers as never, at('/hook-b')[0]!.body)).toBe(false);
    // /down: the first attempt and one retry, the same event id on both, then the message in the dead-letter queue.
    expect(at('/down').map((h) => h.headers[WEBHOOK_EVENT_ID_HEADER])).toEqual([eventId, eventId]);
    const dead = local.deadLetterQueue.receive(10);
    expect(dead.map((m) => JSON.parse(m.Body) as { webhook: string; event: { id: string; detail: unknown } })).toEqual([
      { webhook: down, event: expect.objectContaining({ id: eventId, detail: { changeId: 'f:1' } }) },
    ]);
    expect(lines.filter((l) => l.includes('giving up'))).toEqual([expect.stringContaining(`webhook:${down} failed (attempt 2): webhook message`)]);
    expect(lines.filter((l) => l.includes('giving up'))[0]).toContain('HTTP 503');
    expect(lines).toContainEqual(expect.stringContaining('moved to the dead-letter queue'));
  });
});

describe('local webhooks without a delivery function', () => {
  it('refuse to start, saying what to declare', async () => {
    const api = { root: repoRoot, buses: { events: { rules: { toHooks: { eventPattern: { source: ['s'] }, targets: [{ webhooks: true }] } } } } } as unknown as ApiDefinition;
    const start = startNotifications({
      api,
      bus: new LocalEventBus({ log: () => {} }),
      dataDir: join(dir, 'undeclared'),
      config: { webhooks: [{ url: `${receiverUrl}/hook` }] },
      webhookSecret: COMMON,
      region: 'us-east-1',
      lambda: new LocalLambda({ root: repoRoot, resolveEnv: () => '' }),
      credentials: [creds],
      log: () => {},
    });
    await expect(start).rejects.toThrow(/declares no webhookDelivery function/);
  });
});

describe('notifications config', () => {
  /** An API whose users set CRAFT_SYNC_* variables before the runtime had its own names. */
  const API_NAME = 'craft-sync';
  it('reads LOCAL_APPSYNC_NOTIFICATIONS or <API NAME>_NOTIFICATIONS, else <dataDir>/notifications.json, plus the WEBHOOKS variable, and checks webhook URLs', () => {
    expect(loadNotificationsConfig(join(dir, 'none'), {})).toEqual({});
    const file = join(dir, 'n.json');
    writeFileSync(file, JSON.stringify({ webhooks: [{ url: `${receiverUrl}/hook` }], webhookSecret: COMMON }));
    expect(loadNotificationsConfig(join(dir, 'none'), { CRAFT_SYNC_NOTIFICATIONS: file }, API_NAME)).toMatchObject({ webhookSecret: COMMON });
    // A secret that is not a Standard Webhooks one is refused at start, not at the first delivery.
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ webhooks: [{ url: `${receiverUrl}/hook` }], webhookSecret: 'not base64!' }));
    expect(() => loadNotificationsConfig(join(dir, 'none'), { CRAFT_SYNC_NOTIFICATIONS: bad }, API_NAME)).toThrow(/webhookSecret is not a Standard Webhooks secret/);
    writeFileSync(bad, JSON.stringify({ webhooks: [{ url: `${receiverUrl}/hook`, secret: 's' }] }));
    expect(() => loadNotificationsConfig(join(dir, 'none'), { CRAFT_SYNC_NOTIFICATIONS: bad }, API_NAME)).toThrow(/the secret of .*\/hook is not a Standard Webhooks secret/);
    writeFileSync(join(dir, 'notifications.json'), JSON.stringify({ webhooks: [{ url: 'ftp://x' }] }));
    expect(() => loadNotificationsConfig(dir, {})).toThrow(/http\(s\) url/);
    expect(() => loadNotificationsConfig(dir, { CRAFT_SYNC_NOTIFICATIONS: join(dir, 'missing.json') }, API_NAME)).toThrow(/does not exist/);
    // CRAFT_SYNC_WEBHOOKS adds URLs to the file's (or stands alone).
    const both = loadNotificationsConfig(join(dir, 'none'), { CRAFT_SYNC_NOTIFICATIONS: file, CRAFT_SYNC_WEBHOOKS: 'http://127.0.0.1:1/a, http://127.0.0.1:2/b' }, API_NAME);
    expect(both.webhooks).toEqual([{ url: `${receiverUrl}/hook` }, { url: 'http://127.0.0.1:1/a' }, { url: 'http://127.0.0.1:2/b' }]);
    expect(loadNotificationsConfig(join(dir, 'none'), { CRAFT_SYNC_WEBHOOKS: 'http://127.0.0.1:1/a' }, API_NAME).webhooks).toEqual([{ url: 'http://127.0.0.1:1/a' }]);
    expect(() => loadNotificationsConfig(join(dir, 'none'), { CRAFT_SYNC_WEBHOOKS: 'not-a-url' }, API_NAME)).toThrow(/CRAFT_SYNC_WEBHOOKS: every webhook needs an http\(s\) url/);
    // The runtime's own names work for any API, and win over the API-named ones.
    expect(loadNotificationsConfig(join(dir, 'none'), { LOCAL_APPSYNC_NOTIFICATIONS: file }).webhookSecret).toBe(COMMON);
    expect(loadNotificationsConfig(join(dir, 'none'), { LOCAL_APPSYNC_WEBHOOKS: 'http://127.0.0.1:3/c', CRAFT_SYNC_WEBHOOKS: 'http://127.0.0.1:1/a' }, API_NAME).webhooks).toEqual([
      { url: 'http://127.0.0.1:3/c' },
    ]);
    // Another API's variables are not this one's.
    expect(loadNotificationsConfig(join(dir, 'none'), { CRAFT_SYNC_WEBHOOKS: 'http://127.0.0.1:1/a' }, 'other-api')).toEqual({});
    expect(() => loadNotificationsConfig(join(dir, 'none'), { LOCAL_APPSYNC_WEBHOOKS: 'not-a-url' })).toThrow(/LOCAL_APPSYNC_WEBHOOKS: every webhook needs an http\(s\) url/);
  });
});
