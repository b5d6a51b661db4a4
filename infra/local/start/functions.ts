/**
 * What runs the API's functions and carries its events: the local Lambda service with the
 * environment every function gets (region, the dev credentials of a Lambda role, the local
 * endpoints through `AWS_ENDPOINT_URL_*`), the local PutEvents endpoint, and the declared buses'
 * rules bound to local topics, queues and webhooks (services/notifications.ts).
 */
import type { ApiDefinition, EnvValue } from '../../wiring/types.ts';
import type { ServerLimits } from '../net/harden.ts';
import type { LocalSecrets } from '../secrets.ts';
import type { LocalEventBus } from '../services/event-bus.ts';
import { startEventsServer } from '../services/events-server.ts';
import { LocalLambda } from '../services/lambda/service.ts';
import { startNotifications, type LocalNotifications, type NotificationsConfig } from '../services/notifications.ts';
import type { LocalBuckets } from '../services/s3/buckets.ts';

export interface FunctionServices {
  lambda: LocalLambda;
  /** The declared buses' targets and the local PutEvents endpoint, when the API declares buses. */
  notifications?: LocalNotifications & { eventsEndpoint: string };
}

export async function startFunctionServices(o: {
  api: ApiDefinition;
  dataDir: string;
  region: string;
  host: string;
  limits?: Partial<ServerLimits>;
  secrets: LocalSecrets;
  bus: LocalEventBus;
  notificationsConfig: NotificationsConfig;
  dynamodbEndpoint: string;
  s3?: LocalBuckets;
  resolveEnv: (v: EnvValue) => string;
  /** Registers what must be stopped, in start order. */
  onStop: (stop: () => Promise<void>) => void;
  log: (line: string) => void;
}): Promise<FunctionServices> {
  const { api, secrets, log } = o;
  // Functions reach DynamoDB Local, the local S3 and the local bus through the standard endpoint variables.
  let environment: Record<string, string> = { ...o.s3?.lambdaEnvironment, AWS_ENDPOINT_URL_DYNAMODB: o.dynamodbEndpoint };
  const hasBuses = Object.keys(api.buses ?? {}).length > 0;
  if (!hasBuses || !secrets.s3) return { lambda: new LocalLambda({ root: api.root, resolveEnv: o.resolveEnv, environment, log }) };

  // The s3 credentials are what functions sign with (a Lambda role's); the local EventBridge accepts the iam ones too.
  const credentials = [secrets.s3, ...(secrets.iam ? [secrets.iam] : [])];
  const events = await startEventsServer({ bus: o.bus, credentials, region: o.region, host: o.host, limits: o.limits, log: (l) => log(`[events] ${l}`) });
  o.onStop(() => events.stop());
  environment = {
    AWS_REGION: o.region,
    AWS_ACCESS_KEY_ID: secrets.s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: secrets.s3.secretAccessKey,
    ...environment,
    AWS_ENDPOINT_URL_EVENTBRIDGE: events.endpoint,
  };
  const lambda = new LocalLambda({ root: api.root, resolveEnv: o.resolveEnv, environment, log });
  const local = await startNotifications({
    api,
    bus: o.bus,
    dataDir: o.dataDir,
    config: o.notificationsConfig,
    webhookSecret: o.notificationsConfig.webhookSecret ?? secrets.webhookSecret!,
    region: o.region,
    lambda,
    credentials: [secrets.s3],
    host: o.host,
    log: (l) => log(`[notifications] ${l}`),
  });
  // Deliveries in flight finish (or give up) before the services they write to stop.
  o.onStop(async () => {
    await o.bus.flush();
    await local.flush();
    await local.stop();
  });
  return { lambda, notifications: { ...local, eventsEndpoint: events.endpoint } };
}
