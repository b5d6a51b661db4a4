import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhook, verifyWebhookSignature, webhookSignature, WEBHOOK_EVENT_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from './webhooks.ts';

// base64 of the 32 ASCII bytes "craft-sync test key, 32 bytes!!!".
const SECRET = 'whsec_Y3JhZnQtc3luYyB0ZXN0IGtleSwgMzIgYnl0ZXMhISE=';
const OTHER = generateWebhookSecret();
const ID = 'msg_2f0c';
const BODY = JSON.stringify({ id: ID, detail: { name: 'naïve ✓.txt', version: 3 } });
const T = 1_790_000_000;

describe('webhook signatures (Standard Webhooks)', () => {
  it('signs HMAC-SHA256 over "<id>.<timestamp>.<body>" as v1,<base64> with the whsec_ key', () => {
    const h = signWebhook(SECRET, ID, BODY, T);
    expect(h).toEqual({ [WEBHOOK_EVENT_ID_HEADER]: ID, [WEBHOOK_TIMESTAMP_HEADER]: String(T), [WEBHOOK_SIGNATURE_HEADER]: `v1,${webhookSignature(SECRET, ID, T, BODY)}` });
    expect(Object.keys(h).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    // A known vector, computed independently:
    // printf '%s' "msg_1.1790000000.hello" | openssl dgst -sha256 -hmac 'craft-sync test key, 32 bytes!!!' -binary | base64
    expect(webhookSignature(SECRET, 'msg_1', T, 'hello')).toBe('cODosi5AnbN35a2ZZCiL+gN+evynMMyYgBNU7ehW2nM=');
    // The prefix is optional: the bare base64 key is the same key.
    expect(webhookSignature(SECRET.slice('whsec_'.length), 'msg_1', T, 'hello')).toBe('cODosi5AnbN35a2ZZCiL+gN+evynMMyYgBNU7ehW2nM=');
    expect(verifyWebhookSignature(SECRET, h, BODY, 300, T)).toBe(true);
    expect(verifyWebhookSignature(SECRET, h, Buffer.from(BODY), 300, T)).toBe(true);
  });

  it('matches the standardwebhooks package both ways: it verifies ours, we verify its', () => {
    const h = signWebhook(SECRET, ID, BODY);
    expect(new Webhook(SECRET).verify(BODY, h)).toEqual(JSON.parse(BODY));
    expect(() => new Webhook(OTHER).verify(BODY, h)).toThrow(/No matching signature/);
    const theirs = new Webhook(SECRET).sign(ID, new Date(T * 1000), BODY);
    expect(theirs).toBe(`v1,${webhookSignature(SECRET, ID, T, BODY)}`);
    expect(verifyWebhookSignature(SECRET, { 'webhook-id': ID, 'webhook-timestamp': String(T), 'webhook-signature': theirs }, BODY, 300, T)).toBe(true);
  });

  it('rejects a tampered body, another secret, a moved timestamp, another id', () => {
    const h = signWebhook(SECRET, ID, BODY, T);
    expect(verifyWebhookSignature(SECRET, h, BODY.replace('"version":3', '"version":4'), 300, T)).toBe(false);
    expect(verifyWebhookSignature(SECRET, h, `${BODY} `, 300, T)).toBe(false);
    expect(verifyWebhookSignature(OTHER, h, BODY, 300, T)).toBe(false);
    // The timestamp and the id are signed: replaying the signature under another fails.
    expect(verifyWebhookSignature(SECRET, { ...h, [WEBHOOK_TIMESTAMP_HEADER]: String(T + 10) }, BODY, 300, T + 10)).toBe(false);
    expect(verifyWebhookSignature(SECRET, { ...h, [WEBHOOK_EVENT_ID_HEADER]: 'msg_other' }, BODY, 300, T)).toBe(false);
  });

  it('rejects a stale or future timestamp beyond the tolerance, accepts one within it', () => {
    const h = signWebhook(SECRET, ID, BODY, T);
    expect(verifyWebhookSignature(SECRET, h, BODY, 300, T + 300)).toBe(true);
    expect(verifyWebhookSignature(SECRET, h, BODY, 300, T + 301)).toBe(false);
    expect(verifyWebhookSignature(SECRET, h, BODY, 300, T - 301)).toBe(false);
    expect(verifyWebhookSignature(SECRET, h, BODY, 3600, T + 3600)).toBe(true);
    // The default tolerance (300 s) against the real clock: a signature made now passes, one an hour old does not.
    expect(verifyWebhookSignature(SECRET, signWebhook(SECRET, ID, BODY), BODY)).toBe(true);
    expect(verifyWebhookSignature(SECRET, signWebhook(SECRET, ID, BODY, Math.floor(Date.now() / 1000) - 3600), BODY)).toBe(false);
  });

  it('rejects missing or malformed headers and a secret that is not one; signing with such a secret throws', () => {
    const h = signWebhook(SECRET, ID, BODY, T);
    const without = (name: string) => Object.fromEntries(Object.entries(h).filter(([k]) => k !== name));
    expect(verifyWebhookSignature(SECRET, {}, BODY, 300, T)).toBe(false);
    for (const name of [WEBHOOK_EVENT_ID_HEADER, WEBHOOK_TIMESTAMP_HEADER, WEBHOOK_SIGNATURE_HEADER]) expect(verifyWebhookSignature(SECRET, without(name), BODY, 300, T)).toBe(false);
    expect(verifyWebhookSignature(SECRET, { ...h, [WEBHOOK_TIMESTAMP_HEADER]: `${T}.5` }, BODY, 300, T)).toBe(false);
    expect(verifyWebhookSignature(SECRET, { ...h, [WEBHOOK_SIGNATURE_HEADER]: h[WEBHOOK_SIGNATURE_HEADER]!.replace('v1,', 'v1a,') }, BODY, 300, T)).toBe(false);
    expect(verifyWebhookSignature(SECRET, { ...h, [WEBHOOK_SIGNATURE_HEADER]: h[WEBHOOK_SIGNATURE_HEADER]!.replace('v1,', 'v1=') }, BODY, 300, T)).toBe(false);
    expect(verifyWebhookSignature(SECRET, { ...h, [WEBHOOK_SIGNATURE_HEADER]: 'v1,abc' }, BODY, 300, T)).toBe(false);
    for (const bad of ['', 'whsec_', 'whsec_not base64!', 'abc']) {
      expect(verifyWebhookSignature(bad, h, BODY, 300, T)).toBe(false);
      expect(() => signWebhook(bad, ID, BODY, T)).toThrow(/"whsec_" followed by a base64 key/);
    }
  });

  it('reads Node headers (any case, arrays) and fetch Headers, and accepts any one of several space-separated v1 values (rotation)', () => {
    const h = signWebhook(SECRET, ID, BODY, T);
    const upper = { 'Webhook-Id': ID, 'Webhook-Timestamp': h[WEBHOOK_TIMESTAMP_HEADER], 'Webhook-Signature': h[WEBHOOK_SIGNATURE_HEADER] };
    expect(verifyWebhookSignature(SECRET, upper, BODY, 300, T)).toBe(true);
    expect(verifyWebhookSignature(SECRET, new Headers(h), BODY, 300, T)).toBe(true);
    const both = `${signWebhook(OTHER, ID, BODY, T)[WEBHOOK_SIGNATURE_HEADER]} ${h[WEBHOOK_SIGNATURE_HEADER]}`;
    expect(verifyWebhookSignature(SECRET, { ...h, [WEBHOOK_SIGNATURE_HEADER]: both }, BODY, 300, T)).toBe(true);
    expect(verifyWebhookSignature(OTHER, { ...h, [WEBHOOK_SIGNATURE_HEADER]: both }, BODY, 300, T)).toBe(true);
    expect(verifyWebhookSignature(generateWebhookSecret(), { ...h, [WEBHOOK_SIGNATURE_HEADER]: both }, BODY, 300, T)).toBe(false);
    expect(verifyWebhookSignature(SECRET, { ...h, [WEBHOOK_SIGNATURE_HEADER]: [h[WEBHOOK_SIGNATURE_HEADER]!] }, BODY, 300, T)).toBe(true);
  });

  it('takes a Secrets Manager secret (48 alphanumerics, no prefix) as the base64 key it is, as standardwebhooks does', () => {
    const generated = 'Kq3ZT9mXwB7cRf2LhN8vYp4sDg6jAe1uWo5tHi0bCk9xMz3V';
    const h = signWebhook(generated, ID, BODY);
    expect(verifyWebhookSignature(generated, h, BODY)).toBe(true);
    expect(new Webhook(generated).verify(BODY, h)).toEqual(JSON.parse(BODY));
    expect(new Webhook(`whsec_${generated}`).verify(BODY, h)).toEqual(JSON.parse(BODY));
  });

  it('generates whsec_ secrets of 32 random bytes', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});
