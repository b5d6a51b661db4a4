import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeVisibility, RETRY_CAP_SECONDS, retryDelaySeconds, retrySchedule, WEBHOOK_MAX_RECEIVES } from './backoff.ts';
import { deliverWebhooks } from './handler.ts';

/** A loopback stand-in for the SQS endpoint (what it received) and a webhook receiver that is down. */
let server: Server;
let base = '';
const received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.url === '/down') return void res.writeHead(503).end();
      if (req.url === '/ok') return void res.writeHead(200).end();
      res.writeHead(req.headers['x-amz-target'] === 'AmazonSQS.ChangeMessageVisibility' ? 200 : 400, { 'content-type': 'application/x-amz-json-1.0' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('webhook retry backoff', () => {
  it('waits a minute after the first failure, doubling to a four-hour cap; the schedule spans hours before the dead-letter queue', () => {
    expect(retrySchedule()).toEqual([60, 120, 240, 480, 960, 1920, 3840, 7680, RETRY_CAP_SECONDS, RETRY_CAP_SECONDS, RETRY_CAP_SECONDS]);
    expect(retrySchedule()).toHaveLength(WEBHOOK_MAX_RECEIVES - 1);
    const hours = retrySchedule().reduce((a, b) => a + b, 0) / 3600;
    expect(hours).toBeGreaterThan(12);
    expect(hours).toBeLessThan(24);
    // Jitter adds at most 10 %; nonsense counts are the first wait; never past SQS's 12-hour visibility limit.
    expect(retryDelaySeconds(3, () => 0.999)).toBeLessThanOrEqual(264);
    expect(retryDelaySeconds(3, () => 0.999)).toBeGreaterThan(240);
    expect(retryDelaySeconds(Number.NaN, () => 0)).toBe(60);
    expect(retryDelaySeconds(1e9, () => 0.999)).toBeLessThanOrEqual(12 * 3600);
  });

  it('a failed delivery asks for its backoff (by receive count); a delivered one does not', async () => {
    const asked: Array<[string, number]> = [];
    const msg = (id: string, url: string, receives: number) => ({
      messageId: id,
      receiptHandle: `rh-${id}`,
      body: JSON.stringify({ webhook: url, event: { id: randomUUID() } }),
      attributes: { ApproximateReceiveCount: String(receives) },
    });
    const down = `${base}/down`;
    const ok = `${base}/ok`;
    const out = await deliverWebhooks(
      { Records: [msg('a', down, 1), msg('b', down, 4), msg('c', ok, 2)] },
      { urls: [down, ok], secretFor: () => 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', retryLater: async (r, d) => void asked.push([r.messageId, d]) },
    );
    expect(out.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['a', 'b']);
    expect(asked.sort()).toEqual([
      ['a', expect.any(Number)],
      ['b', expect.any(Number)],
    ]);
    expect(asked[0]![1]).toBeGreaterThanOrEqual(60);
    expect(asked[0]![1]).toBeLessThanOrEqual(66);
    expect(asked[1]![1]).toBeGreaterThanOrEqual(480);
    expect(asked[1]![1]).toBeLessThanOrEqual(528);
  });

  it('sets the visibility with a SigV4-signed ChangeMessageVisibility to the queue endpoint, and says so when it is refused', async () => {
    received.length = 0;
    const env = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token', AWS_ENDPOINT_URL_SQS: base };
    const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/webhooks';
    await changeVisibility(queueUrl, 'handle-1', 240, env);
    expect(received).toHaveLength(1);
    const r = received[0]!;
    expect(r.headers['x-amz-target']).toBe('AmazonSQS.ChangeMessageVisibility');
    expect(r.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(r.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sqs\/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-target[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
    expect(r.headers['x-amz-security-token']).toBe('token');
    expect(JSON.parse(r.body)).toEqual({ QueueUrl: queueUrl, ReceiptHandle: 'handle-1', VisibilityTimeout: 240 });
    await expect(changeVisibility(queueUrl, 'h', 60, { ...env, AWS_ENDPOINT_URL_SQS: `${base}/down` })).rejects.toThrow(/HTTP 503/);
    await expect(changeVisibility(queueUrl, 'h', 60, { AWS_REGION: 'eu-west-1' })).rejects.toThrow(/credentials/);
  });
});
