/**
 * `{ webhooks: true }` targets: for every configured webhook a bus target that invokes the API's
 * declared webhook delivery function (`ApiDefinition.webhookDelivery`) through the local Lambda
 * service, with the one-message SQS event AWS's webhook queue would hand it (`{ webhook, event }`;
 * the message id stays the same across attempts, the receive count grows, as in SQS). The function
 * reads its configuration as in AWS: `WEBHOOK_URLS` (here the one URL) and `WEBHOOK_SECRET_ARN`,
 * the signing key, from a local Secrets Manager endpoint (secrets-server.ts). A batch item failure
 * or a function error is a failed attempt (retried by the bus); after the last, the message goes
 * to the dead-letter queue.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ApiDefinition } from '../../wiring/types.ts';
import type { BusEvent, RuleTarget } from './event-bus.ts';
import type { LocalLambda } from './lambda/service.ts';
import type { LocalQueue } from './queue.ts';
import { startSecretsServer, type SecretsServer } from './secrets-server.ts';

/** The per-request timeout is the function's own (WEBHOOK_TIMEOUT_MS, 5 s); the function may take 10 s, as in AWS. */
const DELIVERY_TIMEOUT_MS = 10_000;

export interface WebhookTargets {
  /** One bus target per configured webhook. */
  targets: RuleTarget[];
  stop(): Promise<void>;
}

export async function startWebhookTargets(opts: {
  api: ApiDefinition;
  webhooks: Array<{ url: string; secret: string }>;
  lambda: LocalLambda;
  /** What the function signs its Secrets Manager calls with (the service's credentials). */
  credentials: Array<{ accessKeyId: string; secretAccessKey: string }>;
  deadLetterQueue: LocalQueue;
  region: string;
  host?: string;
  log: (line: string) => void;
}): Promise<WebhookTargets> {
  if (opts.webhooks.length === 0) return { targets: [], stop: async () => {} };
  const decl = opts.api.webhookDelivery;
  if (!decl) throw new Error('webhooks are configured and a bus rule targets them, but the API declares no webhookDelivery function (ApiDefinition.webhookDelivery)');
  const modulePath = resolve(opts.api.root, decl.handler);
  if (!existsSync(modulePath)) throw new Error(`webhookDelivery: ${modulePath} does not exist`);
  const secrets: SecretsServer = await startSecretsServer({ credentials: opts.credentials, region: opts.region, host: opts.host, log: opts.log });
  const targets = opts.webhooks.map((w, i) => {
    const fn = opts.lambda.define(`webhook-delivery-${i}`, {
      handler: decl.handler,
      timeoutMs: DELIVERY_TIMEOUT_MS,
      // AWS: the stack's settings of the one function (all URLs, one secret); locally one function per URL, each with its key.
      extraEnvironment: { WEBHOOK_URLS: w.url, WEBHOOK_SECRET_ARN: secrets.put(`webhook-secret-${i}`, w.secret), AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint },
    });
    return webhookTarget(w.url, (event) => fn.invoke(event), opts);
  });
  return { targets, stop: () => secrets.stop() };
}

type Invoke = (event: unknown) => Promise<{ result?: unknown; error?: { message: string }; logs: string[] }>;

function webhookTarget(url: string, invoke: Invoke, opts: { deadLetterQueue: LocalQueue; region: string; log: (line: string) => void }): RuleTarget {
  const body = (event: BusEvent) => JSON.stringify({ webhook: url, event });
  const messageId = (event: BusEvent) => {
    const h = createHash('sha256').update(`${event.id}\n${url}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  };
  return {
    id: `webhook:${url}`,
    handler: async (event, attempt) => {
      const record = { messageId: messageId(event), body: body(event), attributes: { ApproximateReceiveCount: String(attempt) }, eventSourceARN: `arn:aws:sqs:${opts.region}:000000000000:webhooks` };
      const out = await invoke({ Records: [record] });
      if (out.error) throw new Error(`webhook delivery function failed: ${out.error.message}`);
      const failures = (out.result as { batchItemFailures?: unknown[] } | null)?.batchItemFailures;
      if (!Array.isArray(failures)) throw new Error('webhook delivery function answered no partial batch response');
      // What the function logged says why (its log is the attempt's only account of the POST).
      if (failures.length) throw new Error(out.logs.join('; ') || 'reported as a batch item failure');
    },
    onGiveUp: (event) => {
      const m = opts.deadLetterQueue.send(body(event));
      opts.log(`webhook ${url}: event ${event.id} moved to the dead-letter queue (${opts.deadLetterQueue.dir}, message ${m.MessageId})`);
    },
  };
}
