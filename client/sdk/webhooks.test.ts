import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature, webhookSignature, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from './webhooks.ts';

const SECRET = 'whsec-test';
const BODY = JSON.stringify({ id: 'e1', detail: { name: 'naïve ✓.txt', version: 3 } });
const T = 1_790_000_000;

describe('webhook signatures', () => {
  it('signs HMAC-SHA256 over "<timestamp>.<body>" as v1=<hex>', () => {
    const h = signWebhook(SECRET, BODY, T);
    expect(h).toEqual({ [WEBHOOK_TIMESTAMP_HEADER]: String(T), [WEBHOOK_SIGNATURE_HEADER]: `v1=${webhookSignature(SECRET, T, BODY)}` });
    // A known vector, computed independently: printf '%s' "1790000000.hello" | openssl dgst -sha256 -hmac whsec-test
    expect(webhookSignature(SECRET, T, 'hello')).toBe('4551c53589a72fcc42f49ceebbc5355b6a9639812740ac78fec606113b84071f');
    expect(verifyWebhookSignature(SECRET, h, BODY, 300, T)).toBe(true);
    expect(verifyWebhookSignature(SECRET, h, Buffer.from(BODY), 300, T)).toBe(true);
  });

  it('rejects a tampered body, another secret, a moved timestamp', () => {
    const h = signWebhook(SECRET, BODY, T);
    expect(verifyWebhookSignature(SECRET, h, BODY.replace('"version":3', '"version":4'), 300, T)).toBe(false);
    expect(verifyWebhookSignature(SECRET, h, `${BODY} `, 300, T)).toBe(false);
    expect(verifyWebhookSignature('whsec-other', h, BODY, 300, T)).toBe(false);
    // The timestamp is signed: replaying the signature under a fresh timestamp fails.
    expect(verifyWebhookSignature(SECRET, { ...h, [WEBHOOK_TIMESTAMP_HEADER]: String(T + 10) }, BODY, 300, T + 10)).toBe(false);
  });

  it('rejects a stale or future timestamp beyond the tolerance, accepts one within it', () => {
    const h = signWebhook(SECRET, BODY, T);
    expect(verifyWebhookSignature(SECRET, h, BODY, 300, T + 300)).toBe(true);
    expect(verifyWebhookSignature(SECRET, h, BODY, 300, T + 301)).toBe(false);
    expect(verifyWebhookSignature(SECRET, h, BODY, 300, T - 301)).toBe(false);
    expect(verifyWebhookSignature(SECRET, h, BODY, 3600, T + 3600)).toBe(true);
    // The default tolerance (300 s) against the real clock: a signature made now passes, one an hour old does not.
    expect(verifyWebhookSignature(SECRET, signWebhook(SECRET, BODY), BODY)).toBe(true);
    expect(verifyWebhookSignature(SECRET, signWebhook(SECRET, BODY, Math.floor(Date.now() / 1000) - 3600), BODY)).toBe(false);
  });

  it('rejects missing or malformed headers and an empty secret', () => {
    const h = signWebhook(SECRET, BODY, T);
    expect(verifyWebhookSignature(SECRET, {}, BODY, 300, T)).toBe(false);
    expect(verifyWebhookSignature(SECRET, { [WEBHOOK_SIGNATURE_HEADER]: h[WEBHOOK_SIGNATURE_HEADER] }, BODY, 300, T)).toBe(false);
    expect(verifyWebhookSignature(SECRET, { [WEBHOOK_TIMESTAMP_HEADER]: String(T) }, BODY, 300, T)).toBe(false);
    expect(verifyWebhookSignature(SECRET, { ...h, [WEBHOOK_TIMESTAMP_HEADER]: `${T}.5` }, BODY, 300, T)).toBe(false);
    expect(verifyWebhookSignature(SECRET, { ...h, [WEBHOOK_SIGNATURE_HEADER]: h[WEBHOOK_SIGNATURE_HEADER]!.replace('v1=', 'v0=') }, BODY, 300, T)).toBe(false);
    expect(verifyWebhookSignature(SECRET, { ...h, [WEBHOOK_SIGNATURE_HEADER]: 'v1=abc' }, BODY, 300, T)).toBe(false);
    expect(verifyWebhookSignature('', h, BODY, 300, T)).toBe(false);
  });

  it('reads Node headers (any case, arrays) and fetch Headers, and accepts any one of several v1 values (rotation)', () => {
    const h = signWebhook(SECRET, BODY, T);
    const upper = { 'X-Craft-Sync-Timestamp': h[WEBHOOK_TIMESTAMP_HEADER], 'X-Craft-Sync-Signature': h[WEBHOOK_SIGNATURE_HEADER] };
    expect(verifyWebhookSignature(SECRET, upper, BODY, 300, T)).toBe(true);
    expect(verifyWebhookSignature(SECRET, new Headers(h), BODY, 300, T)).toBe(true);
    const both = `v1=${webhookSignature('old-secret', T, BODY)}, ${h[WEBHOOK_SIGNATURE_HEADER]}`;
    expect(verifyWebhookSignature(SECRET, { ...h, [WEBHOOK_SIGNATURE_HEADER]: both }, BODY, 300, T)).toBe(true);
    expect(verifyWebhookSignature('old-secret', { ...h, [WEBHOOK_SIGNATURE_HEADER]: both }, BODY, 300, T)).toBe(true);
    expect(verifyWebhookSignature('third', { ...h, [WEBHOOK_SIGNATURE_HEADER]: both }, BODY, 300, T)).toBe(false);
    expect(verifyWebhookSignature(SECRET, { ...h, [WEBHOOK_SIGNATURE_HEADER]: [h[WEBHOOK_SIGNATURE_HEADER]!] }, BODY, 300, T)).toBe(true);
  });
});
