/**
 * Webhook delivery, fed by the webhook queue (SQS in AWS; locally the runtime's bus invokes it with
 * the same SQS-shaped event, infra/local/services/notifications.ts). Each message is one event for one
 * webhook: `{ "webhook": "<url>", "event": <the EventBridge event> }`, put there by the bus rule. The
 * event JSON is POSTed to that URL, signed with Standard Webhooks (client/sdk/webhooks.ts: the event
 * id as `webhook-id`, `webhook-timestamp`, `webhook-signature` over "<id>.<timestamp>.<body>"). Anything but a 2xx answer within the
 * per-request timeout is reported as a batch item failure, so the queue redelivers that message alone;
 * what keeps failing lands in the dead-letter queue.
 *
 * A failed message is retried with backoff over hours (backoff.ts: its visibility timeout is set to
 * the next wait), then dead-lettered.
 *
 * Configuration (AWS): `WEBHOOK_URLS` (comma-separated; a message naming another URL is refused),
 * `WEBHOOK_SECRET_ARN` (the signing secret in Secrets Manager, read with GetSecretValue and cached
 * for five minutes; `whsec_<base64>` or bare base64, which the generated 48 alphanumerics are), `WEBHOOK_TIMEOUT_MS` (per request, default 5000),
 * `WEBHOOK_QUEUE_URL` (the queue whose messages' visibility it sets; without it SQS retries at the queue's own visibility timeout).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { signWebhook } from '../../../client/sdk/webhooks.ts';
import { changeVisibility, retryDelaySeconds } from './backoff.ts';

/** The part of Lambda's SQS record the handler reads. */
export interface SqsRecord {
  messageId: string;
  /** What ChangeMessageVisibility names the received message by. */
  receiptHandle?: string;
  body: string;
  attributes?: { ApproximateReceiveCount?: string };
  eventSourceARN?: string;
}

export interface SqsEvent {
  Records: SqsRecord[];
}

/** Lambda's partial batch response (the event source mapping sets ReportBatchItemFailures). */
export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** One queue message: an event for one webhook. */
export interface WebhookMessage {
  webhook: string;
  /** The EventBridge event, POSTed as is. */
  event: { id: string };
}

export interface DeliveryOptions {
  /** The configured webhook URLs; a message naming any other is refused (never POSTed). */
  urls: readonly string[];
  /** The signing secret for a URL. */
  secretFor: (url: string) => string | Promise<string>;
  /** Per request (default 5000 ms). */
  timeoutMs?: number;
  /** Called for each failed message with the wait before its next attempt (backoff.ts); in AWS it sets the message's visibility timeout. */
  retryLater?: (record: SqsRecord, delaySeconds: number) => Promise<void>;
  log?: (line: string) => void;
}

export const DEFAULT_TIMEOUT_MS = 5000;
export const USER_AGENT = 'craft-sync-webhooks/1';

/** POSTs every message of the batch (concurrently) and reports the ones that did not get a 2xx. */
export async function deliverWebhooks(event: SqsEvent, opts: DeliveryOptions): Promise<SqsBatchResponse> {
  const log = opts.log ?? (() => {});
  const results = await Promise.all(
    (event.Records ?? []).map(async (record) => {
      try {
        await deliverOne(record, opts);
        return undefined;
      } catch (e) {
        const receives = Number(record.attributes?.ApproximateReceiveCount) || 1;
        const delay = retryDelaySeconds(receives);
        log(`webhook message ${record.messageId} (receive ${receives}, next in ${delay} s): ${(e as Error).message}`);
        // Failing to set the wait leaves the queue's own visibility timeout: an earlier retry, never a lost one.
        await opts.retryLater?.(record, delay).catch((err: unknown) => log(`webhook message ${record.messageId}: could not delay the retry: ${(err as Error).message}`));
        return { itemIdentifier: record.messageId };
      }
    }),
  );
  return { batchItemFailures: results.filter((r) => r !== undefined) };
}

async function deliverOne(record: SqsRecord, opts: DeliveryOptions): Promise<void> {
  const message = parseMessage(record.body);
  if (!opts.urls.includes(message.webhook)) throw new Error(`${message.webhook} is not a configured webhook`);
  const body = JSON.stringify(message.event);
  const secret = await opts.secretFor(message.webhook);
  let res: Response;
  try {
    res = await fetch(message.webhook, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        ...signWebhook(secret, message.event.id, body),
      },
      body,
      // A redirect would send the signed event somewhere not configured.
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (e) {
    const cause = (e as Error).name === 'TimeoutError' ? `no answer within ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms` : ((e as { cause?: Error }).cause?.message ?? (e as Error).message);
    throw new Error(`POST ${message.webhook}: ${cause}`);
  }
  // The answer's body is not read.
  await res.body?.cancel().catch(() => {});
  if (res.status < 200 || res.status > 299) throw new Error(`POST ${message.webhook}: HTTP ${res.status}`);
}

function parseMessage(body: string): WebhookMessage {
  let m: unknown;
  try {
    m = JSON.parse(body);
  } catch {
    throw new Error('the message body is not JSON');
  }
  const msg = m as Partial<WebhookMessage> | null;
  if (typeof msg?.webhook !== 'string' || typeof msg.event !== 'object' || msg.event === null || typeof msg.event.id !== 'string') {
    throw new Error('the message is not { webhook, event: { id, … } }');
  }
  return msg as WebhookMessage;
}

const SECRET_TTL_MS = 5 * 60 * 1000;
let secretCache: { arn: string; value: string; until: number } | undefined;
/** One client per endpoint, as the other handlers keep theirs (locally each runtime has its own Secrets Manager endpoint). */
let secrets: { endpoint: string | undefined; client: SecretsManagerClient } | undefined;

async function secretFromEnv(): Promise<string> {
  const arn = process.env.WEBHOOK_SECRET_ARN;
  if (!arn) throw new Error('WEBHOOK_SECRET_ARN is not set');
  if (secretCache?.arn === arn && secretCache.until > Date.now()) return secretCache.value;
  const endpoint = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
  if (!secrets || secrets.endpoint !== endpoint) secrets = { endpoint, client: new SecretsManagerClient({}) };
  const out = await secrets.client.send(new GetSecretValueCommand({ SecretId: arn }));
  if (!out.SecretString) throw new Error(`secret ${arn} has no SecretString`);
  secretCache = { arn, value: out.SecretString, until: Date.now() + SECRET_TTL_MS };
  return out.SecretString;
}

/** The Lambda entry point: configuration from the environment (see the module comment). */
export async function handler(event: SqsEvent): Promise<SqsBatchResponse> {
  const urls = (process.env.WEBHOOK_URLS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const timeoutMs = Number(process.env.WEBHOOK_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS;
  // Fetched once per batch, before any POST: without it nothing can be signed, and the whole batch is retried.
  const secret = await secretFromEnv();
  const queueUrl = process.env.WEBHOOK_QUEUE_URL;
  return deliverWebhooks(event, {
    urls,
    secretFor: () => secret,
    timeoutMs,
    retryLater: queueUrl ? (record, delay) => (record.receiptHandle ? changeVisibility(queueUrl, record.receiptHandle, delay) : Promise.resolve()) : undefined,
    log: (l) => console.log(l),
  });
}
