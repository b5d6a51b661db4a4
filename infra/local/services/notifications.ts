/**
 * The runtime's side of the declared buses' rules (`ApiDefinition.buses[*].rules`): each rule is
 * added to the local bus with its targets bound to local stand-ins, so the routing tested locally is
 * the routing CDK deploys (infra/aws/notifications.ts):
 * - `{ topic }` → a LocalTopic under `<dataDir>/topics/<key>/` (outbox + HTTP subscribers);
 * - `{ queue }` → a LocalQueue under `<dataDir>/queues/<key>/` (file-backed);
 * - `{ webhooks: true }` → an HTTP POST of the event to every configured webhook, signed with
 *   `x-craft-sync-signature: sha256=<HMAC-SHA256 of the body>` and retried with backoff.
 *
 * Webhooks and topic subscribers are deployment settings: a JSON file named by
 * `CRAFT_SYNC_NOTIFICATIONS` (default `<dataDir>/notifications.json`) plus the comma-separated
 * `CRAFT_SYNC_WEBHOOKS`, or the runtime option.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiDefinition } from '../../wiring/types.ts';
import type { LocalEventBus, RuleTarget } from './event-bus.ts';
import { LocalQueue } from './queue.ts';
import { LocalTopic, type TopicSubscriber } from './topic.ts';

export const SIGNATURE_HEADER = 'x-craft-sync-signature';

export interface NotificationsConfig {
  /** Every `{ webhooks: true }` target posts to each of these. */
  webhooks?: Array<{ url: string; /** Overrides `webhookSecret` for this URL. */ secret?: string }>;
  /** The HMAC key webhooks are signed with (default: generated once, kept in `<dataDir>/secrets.json`). */
  webhookSecret?: string;
  /** HTTP subscribers per declared topic key. */
  topicSubscribers?: Record<string, TopicSubscriber[]>;
  /** Delivery attempts after the first, for webhooks and topic subscribers (default 3; backoff 100 ms doubling). */
  retries?: number;
}

export interface LocalNotifications {
  topics: Record<string, LocalTopic>;
  queues: Record<string, LocalQueue>;
  webhookSecret: string;
  /** The configured webhook URLs. */
  webhooks: string[];
  /** Waits for topic deliveries in flight (the bus has its own flush). */
  flush(): Promise<void>;
}

/** The config file's contents, if any (the path in CRAFT_SYNC_NOTIFICATIONS, or `<dataDir>/notifications.json`), plus CRAFT_SYNC_WEBHOOKS. */
export function loadNotificationsConfig(dataDir: string, env: NodeJS.ProcessEnv = process.env): NotificationsConfig {
  const named = env.CRAFT_SYNC_NOTIFICATIONS;
  const path = named ?? join(dataDir, 'notifications.json');
  if (named && !existsSync(named)) throw new Error(`CRAFT_SYNC_NOTIFICATIONS names ${named}, which does not exist`);
  const config = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as NotificationsConfig) : {};
  // CRAFT_SYNC_WEBHOOKS: comma-separated URLs added to the file's, signed with the common secret.
  const extra = (env.CRAFT_SYNC_WEBHOOKS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  if (extra.length) config.webhooks = [...(config.webhooks ?? []), ...extra.map((url) => ({ url }))];
  for (const w of config.webhooks ?? []) {
    if (typeof w?.url !== 'string' || !/^https?:\/\//.test(w.url)) throw new Error(`${existsSync(path) ? path : 'CRAFT_SYNC_WEBHOOKS'}: every webhook needs an http(s) url (got ${String(w?.url)})`);
  }
  return config;
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
            targets.push({ id: `webhook:${w.url}`, url: w.url, sign: { header: SIGNATURE_HEADER, secret: w.secret ?? opts.webhookSecret } });
          }
        }
      }
      if (targets.length) opts.bus.addRule({ name: `${busKey}.${ruleKey}`, bus: busKey, eventPattern: rule.eventPattern, targets });
    }
  }
  return {
    topics,
    queues,
    webhookSecret: opts.webhookSecret,
    webhooks: (config.webhooks ?? []).map((w) => w.url),
    flush: async () => void (await Promise.all(Object.values(topics).map((t) => t.flush()))),
  };
}
