/**
 * craft-sync webhook signatures, the one scheme used in AWS and locally (README "Notifications").
 * Every delivery carries:
 * - `x-craft-sync-timestamp`: Unix seconds when this attempt was sent;
 * - `x-craft-sync-signature`: `v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the webhook secret>`;
 * - `x-craft-sync-event-id`: the EventBridge event id, the same on every attempt (drop repeats by it).
 *
 * A receiver verifies with `verifyWebhookSignature(secret, req.headers, rawBody)` before parsing the
 * body. Node only (node:crypto).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_TIMESTAMP_HEADER = 'x-craft-sync-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'x-craft-sync-signature';
export const WEBHOOK_EVENT_ID_HEADER = 'x-craft-sync-event-id';
/** The signature scheme's version prefix. */
export const WEBHOOK_SIGNATURE_VERSION = 'v1';
/** How old (or how far in the future) a timestamp may be, by default. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** The hex HMAC-SHA256 of `<timestamp>.<body>`. */
export function webhookSignature(secret: string, timestamp: number | string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The signature headers for one delivery attempt (timestamp: Unix seconds, default now). */
export function signWebhook(secret: string, body: string | Uint8Array, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  return {
    [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
    [WEBHOOK_SIGNATURE_HEADER]: `${WEBHOOK_SIGNATURE_VERSION}=${webhookSignature(secret, timestamp, body)}`,
  };
}

/** Node's `req.headers`, a fetch `Headers`, or a plain object (names in any case). */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : record[key];
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * True when `body` (the raw bytes received, before any parsing) carries a valid `v1` signature made
 * with `secret`, and its timestamp is within `toleranceSeconds` of `nowSeconds`. A signature header
 * may hold several comma-separated `v1=` values (any one valid suffices), so a secret can be rotated.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: WebhookHeaders,
  body: string | Uint8Array,
  toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const timestamp = header(headers, WEBHOOK_TIMESTAMP_HEADER)?.trim();
  const signatures = header(headers, WEBHOOK_SIGNATURE_HEADER);
  if (!secret || !timestamp || !signatures || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(webhookSignature(secret, timestamp, body), 'hex');
  let valid = false;
  for (const part of signatures.split(',')) {
    const [version, value] = part.trim().split('=', 2);
    if (version !== WEBHOOK_SIGNATURE_VERSION || !value || !/^[0-9a-f]{64}$/i.test(value)) continue;
    // Compare every candidate (no early exit), each in constant time.
    if (timingSafeEqual(Buffer.from(value, 'hex'), expected)) valid = true;
  }
  return valid;
}
