/**
 * The notification settings of one deployment (not part of the API declaration): the webhooks every
 * `{ webhooks: true }` target posts to, their signing secret, topic subscribers and retries.
 *
 * Read from a JSON file named by `LOCAL_APPSYNC_NOTIFICATIONS` (default `<dataDir>/notifications.json`)
 * plus the comma-separated URLs of `LOCAL_APPSYNC_WEBHOOKS`, or given as the runtime option. The API's
 * own prefix works too (`<API NAME>_NOTIFICATIONS`, `<API NAME>_WEBHOOKS`: names.ts `envSetting`),
 * so the variables a project documented before keep working.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isWebhookSecret } from '../../../client/sdk/webhooks.ts';
import { ENV_PREFIX, envSetting } from '../names.ts';
import type { TopicSubscriber } from './topic.ts';

export interface NotificationsConfig {
  /** Every `{ webhooks: true }` target posts to each of these. */
  webhooks?: Array<{ url: string; /** Overrides `webhookSecret` for this URL. */ secret?: string }>;
  /**
   * The Standard Webhooks secret (`whsec_<base64 key>`) webhooks are signed with (default: generated
   * once, kept in `<dataDir>/secrets.json`).
   */
  webhookSecret?: string;
  /** HTTP subscribers per declared topic key. */
  topicSubscribers?: Record<string, TopicSubscriber[]>;
  /** Delivery attempts after the first, for webhooks and topic subscribers (default 3; backoff 100 ms doubling). */
  retries?: number;
}

/** The variable that names the config file, as the messages and the start banner spell it. */
export const NOTIFICATIONS_VARIABLE = `${ENV_PREFIX}_NOTIFICATIONS`;

/** The config file's contents, if any (the file the variable names, or `<dataDir>/notifications.json`), plus the webhooks variable's URLs. */
export function loadNotificationsConfig(dataDir: string, env: NodeJS.ProcessEnv = process.env, apiName?: string): NotificationsConfig {
  const named = envSetting(env, 'NOTIFICATIONS', apiName);
  const path = named?.value ?? join(dataDir, 'notifications.json');
  if (named && !existsSync(named.value)) throw new Error(`${named.name} names ${named.value}, which does not exist`);
  const config = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as NotificationsConfig) : {};
  // Comma-separated URLs added to the file's, signed with the common secret.
  const hooks = envSetting(env, 'WEBHOOKS', apiName);
  const extra = (hooks?.value ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (extra.length) config.webhooks = [...(config.webhooks ?? []), ...extra.map((url) => ({ url }))];
  for (const w of config.webhooks ?? []) {
    if (typeof w?.url !== 'string' || !/^https?:\/\//.test(w.url)) throw new Error(`${existsSync(path) ? path : hooks?.name}: every webhook needs an http(s) url (got ${String(w?.url)})`);
    if (w.secret !== undefined && !isWebhookSecret(w.secret)) throw new Error(`${path}: the secret of ${w.url} is not a Standard Webhooks secret ("whsec_" and a base64 key)`);
  }
  if (config.webhookSecret !== undefined && !isWebhookSecret(config.webhookSecret)) throw new Error(`${path}: webhookSecret is not a Standard Webhooks secret ("whsec_" and a base64 key)`);
  return config;
}
