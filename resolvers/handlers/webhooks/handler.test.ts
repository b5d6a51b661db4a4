import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateWebhookSecret, verifyWebhookSignature, WEBHOOK_EVENT_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from '../../../client/sdk/webhooks.ts';
import { deliverWebhooks, handler, USER_AGENT, type SqsEvent } from './handler.ts';

interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real loopback receiver: /ok 200, /created 201, /down 503, /gone 410, /moved 302 to /ok, /hang never answers. */
let server: Server;
let base = '';
const hits: Hit[] = [];
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      hits.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (path === '/hang') return void hanging.push(res);
      if (path === '/moved') return void res.writeHead(302, { location: `${base}/ok` }).end();
      const status = { '/ok': 200, '/created': 201, '/down': 503, '/gone': 410 }[path] ?? 404;
      res.writeHead(status).end('a body the sender does not read');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  hits.length = 0;
});

const SECRET = generateWebhookSecret();
const [ONE, TWO, OTHER] = [generateWebhookSecret(), generateWebhookSecret(), generateWebhookSecret()];
const fileChanged = (version: number) => ({
  version: '0',
  id: randomUUID(),
  source: 'craft-sync.files',
  'detail-type': 'FileChanged',
  time: '2026-11-27T02:42:39Z',
  region: 'eu-west-1',
  account: '123456789012',
  resources: [],
  detail: { changeId: `f1:${version}`, fileId: 'f1', version, op: 'MODIFY', name: 'naïve ✓.txt' },
});
const record = (webhook: string, event: object = fileChanged(1), messageId: string = randomUUID()) => ({
  messageId,
  body: JSON.stringify({ webhook, event }),
  attributes: { ApproximateReceiveCount: '1' },
});
const sqs = (...records: ReturnType<typeof record>[]): SqsEvent => ({ Records: records });

describe('webhook delivery handler', () => {
  it('POSTs each event to its webhook, signed (Standard Webhooks) over the event id, the timestamp and the body; 2xx is delivered', async () => {
    const urls = [`${base}/ok`, `${base}/created`];
    const e1 = fileChanged(1);
    const e2 = fileChanged(2);
    const out = await deliverWebhooks(sqs(record(urls[0]!, e1), record(urls[1]!, e2)), { urls, secretFor: () => SECRET });
    expect(out).toEqual({ batchItemFailures: [] });
    expect(hits.map((h) => h.path).sort()).toEqual(['/created', '/ok']);
    for (const h of hits) {
      const sent = h.path === '/ok' ? e1 : e2;
      // The body is exactly the event JSON (UTF-8 intact), nothing wrapped around it.
      expect(JSON.parse(h.body)).toEqual(sent);
      expect(h.headers['content-type']).toBe('application/json');
      expect(h.headers['user-agent']).toBe(USER_AGENT);
      expect(h.headers[WEBHOOK_EVENT_ID_HEADER]).toBe(sent.id);
      expect(h.headers[WEBHOOK_SIGNATURE_HEADER]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(h.headers[WEBHOOK_TIMESTAMP_HEADER]).toMatch(/^\d+$/);
      expect(verifyWebhookSignature(SECRET, h.headers, h.body)).toBe(true);
      expect(verifyWebhookSignature(OTHER, h.headers, h.body)).toBe(false);
      expect(verifyWebhookSignature(SECRET, h.headers, h.body.replace('"version":1', '"version":9').replace('"version":2', '"version":9'))).toBe(false);
    }
  });

  it('signs with the secret of the URL it posts to', async () => {
    const urls = [`${base}/ok`, `${base}/created`];
    const secrets: Record<string, string> = { [urls[0]!]: ONE, [urls[1]!]: TWO };
    await deliverWebhooks(sqs(record(urls[0]!), record(urls[1]!)), { urls, secretFor: (u) => secrets[u]! });
    const byPath = Object.fromEntries(hits.map((h) => [h.path, h]));
    expect(verifyWebhookSignature(ONE, byPath['/ok']!.headers, byPath['/ok']!.body)).toBe(true);
    expect(verifyWebhookSignature(TWO, byPath['/created']!.headers, byPath['/created']!.body)).toBe(true);
    expect(verifyWebhookSignature(ONE, byPath['/created']!.headers, byPath['/created']!.body)).toBe(false);
  });

  it('reports exactly the messages that did not get a 2xx as batch item failures: 5xx, 4xx, a redirect (not followed), no answer in time', async () => {
    const urls = ['/ok', '/down', '/gone', '/moved', '/hang'].map((p) => `${base}${p}`);
    const ids = urls.map(() => randomUUID());
    const lines: string[] = [];
    const out = await deliverWebhooks(sqs(...urls.map((u, i) => record(u, fileChanged(i + 1), ids[i]))), { urls, secretFor: () => SECRET, timeoutMs: 300, log: (l) => lines.push(l) });
    expect(out.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(ids.slice(1).sort());
    // The redirect was not followed: /ok got one POST, its own.
    expect(hits.filter((h) => h.path === '/ok')).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/\/down: HTTP 503/);
    expect(lines.join('\n')).toMatch(/\/gone: HTTP 410/);
    expect(lines.join('\n')).toMatch(/\/moved: HTTP 302/);
    expect(lines.join('\n')).toMatch(/\/hang: no answer within 300 ms/);
  });

  it('refuses a message naming a URL that is not configured, and a malformed message, without posting', async () => {
    const lines: string[] = [];
    const bad = [
      record(`${base}/created`, fileChanged(1), 'not-configured'),
      { messageId: 'not-json', body: '{"webhook":' },
      { messageId: 'no-event-id', body: JSON.stringify({ webhook: `${base}/ok`, event: { source: 'x' } }) },
    ];
    const out = await deliverWebhooks({ Records: bad }, { urls: [`${base}/ok`], secretFor: () => SECRET, log: (l) => lines.push(l) });
    expect(out.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['no-event-id', 'not-configured', 'not-json']);
    expect(hits).toHaveLength(0);
    expect(lines.join('\n')).toMatch(/is not a configured webhook/);
  });

  it('a connection refused is a failure of that message only', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/x`;
    await new Promise((r) => closed.close(r));
    const out = await deliverWebhooks(sqs(record(dead, fileChanged(1), 'dead'), record(`${base}/ok`, fileChanged(2), 'alive')), { urls: [dead, `${base}/ok`], secretFor: () => SECRET });
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'dead' }]);
    expect(hits.map((h) => h.path)).toEqual(['/ok']);
  });

  it('the Lambda entry point needs WEBHOOK_SECRET_ARN and posts nothing without it', async () => {
    const before = { arn: process.env.WEBHOOK_SECRET_ARN, urls: process.env.WEBHOOK_URLS };
    delete process.env.WEBHOOK_SECRET_ARN;
    process.env.WEBHOOK_URLS = `${base}/ok`;
    try {
      await expect(handler(sqs(record(`${base}/ok`)))).rejects.toThrow(/WEBHOOK_SECRET_ARN is not set/);
      expect(hits).toHaveLength(0);
    } finally {
      if (before.arn !== undefined) process.env.WEBHOOK_SECRET_ARN = before.arn;
      if (before.urls === undefined) delete process.env.WEBHOOK_URLS;
      else process.env.WEBHOOK_URLS = before.urls;
    }
  });
});
