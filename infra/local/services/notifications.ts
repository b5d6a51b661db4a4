/**
 * The runtime's side of the declared buses' rules (`ApiDefinition.buses[*].rules`): each rule is
 * added to the local bus with its targets bound to local stand-ins, so the routing tested locally is
 * the routing CDK deploys (infra/aws/notifications.ts):
 * - `{ topic }` → a LocalTopic under `<dataDir>/topics/<key>/` (outbox + HTTP subscribers);
 * - `{ queue }` → a LocalQueue under `<dataDir>/queues/<key>/` (file-backed);
 * - `{ webhooks: true }` → for every configured webhook, the delivery Lambda AWS runs
 *   (resolvers/handlers/webhooks/handler.ts `deliverWebhooks`), invoked with the SQS-shaped event
 *   AWS's webhook queue would hand it (`{ webhook, event }` per message), so the POST, its signature
 *   headers and what counts as a failure are the same code in both. A reported failure is retried
 *   with backoff (the bus's retries); after the last, the message goes to the local dead-letter
 *   queue `<dataDir>/queues/dead-letter/` (AWS: the stack's dead-letter queue).
 *
 * Webhooks and topic subscribers are deployment settings (notifications-config.ts).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { deliverWebhooks, type WebhookMessage } from '../../../resolvers/handlers/webhooks/handler.ts';
import type { ApiDefinition } from '../../wiring/types.ts';
import type { BusEvent, LocalEventBus, RuleTarget } from './event-bus.ts';
import { LocalQueue } from './queue.ts';
import { LocalTopic } from './topic.ts';
import type { NotificationsConfig } from './notifications-config.ts';

export { loadNotificationsConfig, type NotificationsConfig } from './notifications-config.ts';

export interface LocalNotifications {
  topics: Record<string, LocalTopic>;
  queues: Record<string, LocalQueue>;
  /** Webhook messages given up on after the retries, as AWS's dead-letter queue would hold them. */
  deadLetterQueue: LocalQueue;
  webhookSecret: string;
  /** The configured webhook URLs. */
  webhooks: string[];
  /** Waits for topic deliveries in flight (the bus has its own flush). */
  flush(): Promise<void>;
}

export function startNotifications(opts: {
  api: ApiDefinition;
  bus: LocalEventBus;
  dataDir: string;
  config: NotificationsConfig;
  webhookSecret: string;
  region: string;
  log: (line: string) => void;
}): LocalNotifications {
  const { api, config } = opts;
  const topics: Record<string, LocalTopic> = {};
  const queues: Record<string, LocalQueue> = {};
  for (const key of Object.keys(api.topics ?? {})) {
    topics[key] = new LocalTopic(key, join(opts.dataDir, 'topics', key), { subscribers: config.topicSubscribers?.[key], region: opts.region, retries: config.retries, log: opts.log });
  }
  for (const key of Object.keys(config.topicSubscribers ?? {})) {
    if (!topics[key]) throw new Error(`notifications config: topicSubscribers names topic "${key}", which the API does not declare`);
  }
  for (const key of Object.keys(api.queues ?? {})) queues[key] = new LocalQueue(key, join(opts.dataDir, 'queues', key));
  const deadLetterQueue = new LocalQueue('dead-letter', join(opts.dataDir, 'queues', 'dead-letter'));

  for (const [busKey, bus] of Object.entries(api.buses ?? {})) {
    for (const [ruleKey, rule] of Object.entries(bus.rules ?? {})) {
      const targets: RuleTarget[] = [];
      for (const t of rule.targets) {
        if ('topic' in t) {
          const topic = topics[t.topic];
          if (!topic) throw new Error(`bus "${busKey}" rule "${ruleKey}": topic "${t.topic}" is not declared`);
          // EventBridge's SNS target: the message is the event JSON, with no message attributes.
          targets.push({ id: `topic:${t.topic}`, handler: (event) => void topic.publish({ message: JSON.stringify(event) }) });
        } else if ('queue' in t) {
          const queue = queues[t.queue];
          if (!queue) throw new Error(`bus "${busKey}" rule "${ruleKey}": queue "${t.queue}" is not declared`);
          targets.push({ id: `queue:${t.queue}`, handler: (event) => void queue.send(JSON.stringify(event)) });
        } else {
          for (const w of config.webhooks ?? []) {
            targets.push(webhookTarget(w.url, w.secret ?? opts.webhookSecret, { deadLetterQueue, region: opts.region, log: opts.log }));
          }
        }
      }
      if (targets.length) opts.bus.addRule({ name: `${busKey}.${ruleKey}`, bus: busKey, eventPattern: rule.eventPattern, targets });
    }
  }
  return {
    topics,
    queues,
    deadLetterQueue,
    webhookSecret: opts.webhookSecret,
    webhooks: (config.webhooks ?? []).map((w) => w.url),
    flush: async () => void (await Promise.all(Object.values(topics).map((t) => t.flush()))),
  };
}

/**
 * One webhook as a bus target: each attempt invokes the delivery handler with a one-message SQS
 * event (the message id stays the same across attempts, the receive count grows, as in SQS).
 */
function webhookTarget(url: string, secret: string, opts: { deadLetterQueue: LocalQueue; region: string; log: (line: string) => void }): RuleTarget {
  const body = (event: BusEvent) => JSON.stringify({ webhook: url, event } satisfies WebhookMessage);
  const messageId = (event: BusEvent) => {
    const h = createHash('sha256').update(`${event.id}\n${url}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  };
  return {
    id: `webhook:${url}`,
    handler: async (event, attempt) => {
      const record = { messageId: messageId(event), body: body(event), attributes: { ApproximateReceiveCount: String(attempt) }, eventSourceARN: `arn:aws:sqs:${opts.region}:000000000000:webhooks` };
      const lines: string[] = [];
      const out = await deliverWebhooks({ Records: [record] }, { urls: [url], secretFor: () => secret, log: (l) => lines.push(l) });
      if (out.batchItemFailures.length) throw new Error(lines.join('; ') || 'reported as a batch item failure');
    },
    onGiveUp: (event) => {
      const m = opts.deadLetterQueue.send(body(event));
      opts.log(`webhook ${url}: event ${event.id} moved to the dead-letter queue (${opts.deadLetterQueue.dir}, message ${m.MessageId})`);
    },
  };
}
