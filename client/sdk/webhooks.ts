/**
 * craft-sync webhook signatures: Standard Webhooks (standardwebhooks.com), the one scheme used in AWS
 * and locally (README "Notifications"), so a receiver can verify with any of its libraries. Every
 * delivery carries:
 * - `webhook-id`: the EventBridge event id, the same on every attempt (drop repeats by it);
 * - `webhook-timestamp`: Unix seconds when this attempt was sent;
 * - `webhook-signature`: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">`; several
 *   space-separated values may be present (any one valid suffices), so a secret can be rotated.
 * The secret is `whsec_<base64 key>`: the HMAC key is the base64-decoded part (the prefix is optional,
 * as in the Standard Webhooks libraries; a plain base64 string is the same key).
 *
 * A receiver verifies with `verifyWebhookSignature(secret, req.headers, rawBody)` before parsing the
 * body (or with the `standardwebhooks` package's `new Webhook(secret).verify(rawBody, headers)`).
 * Node only (node:crypto).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_EVENT_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';
/** The signature scheme's version prefix (`v1,`: symmetric HMAC-SHA256). */
export const WEBHOOK_SIGNATURE_VERSION = 'v1';
/** How old (or how far in the future) a timestamp may be, by default. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
/** The prefix Standard Webhooks gives a symmetric secret. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The HMAC key of a secret (`whsec_<base64>` or bare base64); undefined when it is not one. */
function secretKey(secret: string): Buffer | undefined {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  if (!encoded || !BASE64.test(encoded)) return undefined;
  return Buffer.from(encoded, 'base64');
}

/** Whether `secret` is a usable Standard Webhooks secret (`whsec_<base64>`, or bare base64). */
export const isWebhookSecret = (secret: unknown): secret is string => typeof secret === 'string' && secretKey(secret) !== undefined;

function keyOrThrow(secret: string): Buffer {
  const key = secretKey(secret);
  if (!key) throw new TypeError(`a webhook secret is "${WEBHOOK_SECRET_PREFIX}" followed by a base64 key (generateWebhookSecret() makes one)`);
  return key;
}

/** A new secret: `whsec_` and 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The base64 HMAC-SHA256 of `<id>.<timestamp>.<body>` (the part after `v1,`). */
export function webhookSignature(secret: string, id: string, timestamp: number | string, body: string | Uint8Array): string {
  return createHmac('sha256', keyOrThrow(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

/** The three Standard Webhooks headers for one delivery attempt (timestamp: Unix seconds, default now). */
export function signWebhook(secret: string, id: string, body: string | Uint8Array, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  return {
    [WEBHOOK_EVENT_ID_HEADER]: id,
    [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
    [WEBHOOK_SIGNATURE_HEADER]: `${WEBHOOK_SIGNATURE_VERSION},${webhookSignature(secret, id, timestamp, body)}`,
  };
}

/** Node's `req.headers`, a fetch `Headers`, or a plain object (names in any case). */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : record[key];
  return Array.isArray(v) ? v.join(' ') : v;
}

/**
 * True when `body` (the raw bytes received, before any parsing) carries a valid `v1` signature made
 * with `secret` over its `webhook-id` and `webhook-timestamp`, and the timestamp is within
 * `toleranceSeconds` of `nowSeconds`. False for anything else, including a secret that is not one.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: WebhookHeaders,
  body: string | Uint8Array,
  toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const id = header(headers, WEBHOOK_EVENT_ID_HEADER);
  const timestamp = header(headers, WEBHOOK_TIMESTAMP_HEADER)?.trim();
  const signatures = header(headers, WEBHOOK_SIGNATURE_HEADER);
  if (!secretKey(secret) || !id || !timestamp || !signatures || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(webhookSignature(secret, id, timestamp, body));
  let valid = false;
  for (const part of signatures.split(/\s+/)) {
    const comma = part.indexOf(',');
    if (part.slice(0, comma) !== WEBHOOK_SIGNATURE_VERSION) continue;
    const value = Buffer.from(part.slice(comma + 1));
    // Compare every candidate (no early exit), each in constant time.
    if (value.length === expected.length && timingSafeEqual(value, expected)) valid = true;
  }
  return valid;
}
