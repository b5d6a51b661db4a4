/**
 * The runtime's side of the declared buses' rules (`ApiDefinition.buses[*].rules`): each rule is
 * added to the local bus with its targets bound to local stand-ins, so the routing tested locally is
 * the routing CDK deploys (infra/aws/notifications.ts):
 * - `{ topic }` → a LocalTopic under `<dataDir>/topics/<key>/` (outbox + HTTP subscribers);
 * - `{ queue }` → a LocalQueue under `<dataDir>/queues/<key>/` (file-backed);
 * - `{ webhooks: true }` → for every configured webhook, the API's declared webhook delivery
 *   function, invoked through the local Lambda service with the SQS event AWS's webhook queue would
 *   hand it (webhooks.ts), so the POST, its signature headers and what counts as a failure are the
 *   same code in both. A reported failure is retried with backoff (the bus's retries); after the
 *   last, the message goes to the local dead-letter queue `<dataDir>/queues/dead-letter/` (AWS: the
 *   stack's dead-letter queue).
 *
 * Webhooks and topic subscribers are deployment settings (notifications-config.ts).
 */
import { join } from 'node:path';
import type { ApiDefinition } from '../../wiring/types.ts';
import type { LocalEventBus, RuleTarget } from './event-bus.ts';
import type { LocalLambda } from './lambda/service.ts';
import { startWebhookTargets } from './webhooks.ts';
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
  /** Stops what serves the webhook function (its Secrets Manager endpoint). */
  stop(): Promise<void>;
}

export async function startNotifications(opts: {
  api: ApiDefinition;
  bus: LocalEventBus;
  dataDir: string;
  config: NotificationsConfig;
  webhookSecret: string;
  region: string;
  /** The Lambda service the webhook delivery function runs in. */
  lambda: LocalLambda;
  /** What functions sign AWS calls with (the service's credentials). */
  credentials: Array<{ accessKeyId: string; secretAccessKey: string }>;
  host?: string;
  log: (line: string) => void;
}): Promise<LocalNotifications> {
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
  const targetsWebhooks = Object.values(api.buses ?? {}).some((b) => Object.values(b.rules ?? {}).some((r) => r.targets.some((t) => 'webhooks' in t)));
  const webhooks = await startWebhookTargets({
    api,
    webhooks: targetsWebhooks ? (config.webhooks ?? []).map((w) => ({ url: w.url, secret: w.secret ?? opts.webhookSecret })) : [],
    lambda: opts.lambda,
    credentials: opts.credentials,
    deadLetterQueue,
    region: opts.region,
    host: opts.host,
    log: opts.log,
  });

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
          targets.push(...webhooks.targets);
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
    stop: () => webhooks.stop(),
  };
}
