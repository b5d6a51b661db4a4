/**
 * The local AppSync runtime: one process that serves an ApiDefinition over GraphQL HTTP and the
 * AppSync real-time protocol, running the bundled resolver code against real local stand-ins
 * (DynamoDB Local, a Cognito-compatible issuer, a local event bus). Generic: it knows nothing of
 * any one schema.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ApiDefinition, EnvValue } from '../wiring/types.ts';
import type { DataSource } from './appsync-js/types.ts';
import { discoverResolvers } from '../wiring/discover.ts';
import { checkDefinition } from '../wiring/check.ts';
import { createResolverExecutor } from './appsync-js/executor.ts';
import { createDataSources } from './datasources/index.ts';
import { startDynamoDbLocal } from './services/dynamodb-local.ts';
import { ensureTables, startTtlSweeper } from './services/tables.ts';
import { LocalEventBus } from './services/event-bus.ts';
import { startCognito, type LocalCognito } from './services/cognito.ts';
import type { TokenLifetimes } from './services/cognito-idp/tokens.ts';
import { toAmplifyOutputs, type AppSyncAuthType } from '../../client/sdk/amplify-outputs.ts';
import { createAuthenticator } from './auth/index.ts';
import { fieldAuthorizerFromDirectives } from './auth/directives.ts';
import { appSyncReply, graphqlHttpHandler } from './graphql/http.ts';
import { createRealtimeEngine } from './graphql/subscriptions.ts';
import { createRealtimeServer } from './realtime/server.ts';
import { ensureCertificate } from './net/cert.ts';
import { listen } from './net/listener.ts';
import { answerAndClose, type ServerLimits } from './net/harden.ts';
import { WEB_APP_PATH, webAppHandler } from './net/web-app.ts';
import { loadOrCreateSecrets, type LocalSecrets } from './secrets.ts';
import { defaultDataDir } from './names.ts';
import { startLocalBuckets, type LocalBuckets } from './services/s3/buckets.ts';
import { startStreamHandlers } from './services/stream-handlers.ts';
import { startEventsServer } from './services/events-server.ts';
import { loadNotificationsConfig, startNotifications, type LocalNotifications, type NotificationsConfig } from './services/notifications.ts';

export interface RuntimeOptions {
  api: ApiDefinition;
  /** Where everything persists (default `.<api name>/` in the working directory, names.ts). */
  dataDir?: string;
  /** Keep DynamoDB in memory (tests); otherwise it persists under dataDir. */
  inMemory?: boolean;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Where the TLS CA and certificate live (default `<dataDir>/tls`); tests share one CA. */
  tlsDir?: string;
  /** Real-time keep-alive interval (AppSync: about a minute). */
  keepAliveIntervalMs?: number;
  /** A real-time socket that sends no `connection_init` within this is closed (default 30 s). */
  connectionInitTimeoutMs?: number;
  /** Header, request and idle timeouts and the connection cap of every server (defaults in net/harden.ts). */
  limits?: Partial<ServerLimits>;
  /** Webhooks, topic subscribers, retries (default: services/notifications-config.ts, from the environment or `<dataDir>/notifications.json`). */
  notifications?: NotificationsConfig;
  /** A built browser app (client/web/build.ts) to serve at `/app/` on the same port, `/` redirecting there. */
  webAppDir?: string;
  /** HTTP data source name → a loopback endpoint to call instead of the declared one (`--http-endpoint`). */
  httpEndpoints?: Record<string, string>;
  /** Local-only token lifetimes of the Cognito issuer, overriding its app client's (tests of expiry and refresh). */
  tokenLifetimes?: TokenLifetimes;
  log?: (line: string) => void;
}

export interface Runtime {
  graphqlUrl: string;
  realtimeUrl: string;
  port: number;
  dataDir: string;
  /** PEM file of the local CA that signed the TLS certificate (NODE_EXTRA_CA_CERTS). */
  caCertPath: string;
  /** An Amplify v6 `ResourcesConfig` for this runtime, also written to `amplifyConfigPath`. */
  amplifyConfig: Record<string, unknown>;
  amplifyConfigPath: string;
  /** The same as an Amplify Gen 2 `amplify_outputs.json` (also written to `amplifyOutputsPath`; see client/sdk/amplify-outputs.ts). */
  amplifyOutputs: Record<string, unknown>;
  amplifyOutputsPath: string;
  /** The browser app's URL, when `webAppDir` was given. */
  webAppUrl?: string;
  apiKey?: string;
  /** Dev credentials a backend caller signs AWS_IAM (SigV4) requests with. */
  iamCredentials?: LocalSecrets['iam'];
  cognito?: LocalCognito;
  dynamodb: { endpoint: string; client: import('@aws-sdk/client-dynamodb').DynamoDBClient };
  bus: LocalEventBus;
  tableName(key: string): string;
  /** The local S3 endpoint, when the API declares buckets. */
  s3?: { endpoint: string; bucketName(key: string): string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** The declared buses' rules bound to local stand-ins (topics, queues, webhooks), and the local PutEvents endpoint. */
  notifications?: LocalNotifications & { eventsEndpoint: string };
  /** Resolves once every stream record written before the call was handed to its stream handler (tests). */
  drainStreams(): Promise<void>;
  /** One pass of the TTL sweeper now (it runs by itself on an interval); resolves to the items deleted (tests). */
  sweepTtl(): Promise<number>;
  /** One pass of the buckets' expiry rules (S3 lifecycle; it runs by itself hourly) as of `nowMs` (default now); resolves to the objects deleted (tests). */
  sweepExpiredObjects(nowMs?: number): Promise<number>;
  /** Each stream handler's failure destination (records given up after retries), by handler folder. */
  streamFailures: Record<string, import('./services/queue.ts').LocalQueue>;
  /** drainStreams, then waits for every bus, topic and webhook delivery in flight (tests). */
  flushNotifications(): Promise<void>;
  stop(): Promise<void>;
}

export const REGION = 'us-east-1';

export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { api } = opts;
  const dataDir = resolve(opts.dataDir ?? defaultDataDir(api.name));
  mkdirSync(dataDir, { recursive: true });
  const host = opts.host ?? '127.0.0.1';
  const modes = [api.authentication.default, ...(api.authentication.additional ?? [])];

  // Fail on a broken declaration before any service starts.
  // The same checks synth runs: every field, data source, table, bucket, bus and handler file named exists.
  const wiring = discoverResolvers(api);
  const loaded = checkDefinition(api, wiring);
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e: unknown) => log(`stop: ${(e as Error).message}`));
    stops.length = 0;
  };
  // Phase timings, logged once ready: where start-up time goes.
  const phases: string[] = [];
  const timed = <T>(name: string, p: Promise<T>): Promise<T> => {
    const t = performance.now();
    return p.then((v) => {
      phases.push(`${name} ${Math.round(performance.now() - t)} ms`);
      return v;
    });
  };
  const tableName = (key: string) => {
    if (!api.tables[key]) throw new Error(`unknown table "${key}"`);
    return key;
  };
  // Resolver code is bundled and loaded while the JVM starts: data sources are bound once ready.
  let bindDataSources!: (ds: Record<string, DataSource>) => void;
  const ready = new Promise<Record<string, DataSource>>((r) => (bindDataSources = r));
  const lazyDataSources = Object.fromEntries(
    Object.entries(api.dataSources).map(([name, d]): [string, DataSource] => [name, { name, kind: d.kind, invoke: async (request, context) => (await ready)[name]!.invoke(request, context) }]),
  );
  const hasBuckets = Object.keys(api.buckets ?? {}).length > 0;
  const hasBuses = Object.keys(api.buses ?? {}).length > 0;
  // The s3 credentials are what Lambda handlers sign with; the local EventBridge accepts them too.
  // The iam ones sign AWS_IAM requests and the local Cognito's admin calls.
  const secrets = loadOrCreateSecrets(join(dataDir, 'secrets.json'), modes, { s3: hasBuckets || hasBuses, webhooks: hasBuses });
  try {
    const [dynamo, cognito, cert, resolvers] = await allOrNothing([
      timed('dynamodb', startDynamoDbLocal({ dataDir: opts.inMemory ? undefined : join(dataDir, 'dynamodb'), log: (l) => log(`[dynamodb] ${l}`) })).then(async (d) => {
        stops.push(() => d.stop());
        await timed('tables', ensureTables(d.client, api.tables, tableName));
        return d;
      }),
      modes.includes('AMAZON_COGNITO_USER_POOLS')
        ? timed(
            'cognito',
            startCognito({ dataDir: join(dataDir, 'cognito'), adminCredentials: secrets.iam!, limits: opts.limits, tokenLifetimes: opts.tokenLifetimes, log: (l) => log(`[cognito] ${l}`) }),
          ).then((c) => {
            stops.push(() => c.stop());
            return c;
          })
        : Promise.resolve(undefined),
      timed(
        'tls',
        ensureCertificate(opts.tlsDir ?? join(dataDir, 'tls'), (l) => log(`[tls] ${l}`)),
      ),
      timed('resolvers', createResolverExecutor({ wiring, dataSources: lazyDataSources, log })),
    ]);
    const sweeper = startTtlSweeper(dynamo.client, api.tables, tableName);
    stops.push(async () => sweeper.stop());

    const notificationsConfig = opts.notifications ?? loadNotificationsConfig(dataDir, process.env, api.name);
    const bus = new LocalEventBus({ region: REGION, retries: notificationsConfig.retries, log: (l: string) => log(`[events] ${l}`) });
    let s3: LocalBuckets | undefined;
    if (hasBuckets && secrets.s3) {
      s3 = await startLocalBuckets({
        buckets: api.buckets!,
        dataDir,
        credentials: secrets.s3,
        alsoAccept: secrets.iam ? [secrets.iam] : [],
        region: REGION,
        host,
        limits: opts.limits,
        log: (l) => log(`[s3] ${l}`),
      });
      stops.push(() => s3!.stop());
    }
    const resolveEnv = (v: EnvValue): string => {
      if (typeof v === 'string') return v;
      if ('tableName' in v) return tableName(v.tableName);
      if ('bucketName' in v) return s3 ? s3.bucketName(v.bucketName) : v.bucketName;
      return v.busName;
    };
    const env = Object.fromEntries(Object.entries(api.environment ?? {}).map(([k, v]) => [k, resolveEnv(v)]));
    let lambdaEnvironment = s3?.lambdaEnvironment;
    let notifications: Runtime['notifications'];
    if (hasBuses && secrets.s3) {
      // Handlers' EventBridgeClient reaches the local bus through the standard endpoint variable.
      const events = await startEventsServer({ bus, credentials: [secrets.s3, ...(secrets.iam ? [secrets.iam] : [])], region: REGION, host, limits: opts.limits, log: (l) => log(`[events] ${l}`) });
      stops.push(() => events.stop());
      lambdaEnvironment = {
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: secrets.s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: secrets.s3.secretAccessKey,
        ...lambdaEnvironment,
        AWS_ENDPOINT_URL_EVENTBRIDGE: events.endpoint,
      };
      const local = startNotifications({
        api,
        bus,
        dataDir,
        config: notificationsConfig,
        webhookSecret: notificationsConfig.webhookSecret ?? secrets.webhookSecret!,
        region: REGION,
        log: (l) => log(`[notifications] ${l}`),
      });
      notifications = { ...local, eventsEndpoint: events.endpoint };
      // Deliveries in flight finish (or give up) before the services they write to stop.
      stops.push(async () => {
        await bus.flush();
        await local.flush();
      });
    }
    // Lambda data sources reach DynamoDB Local as stream handlers do (the content Lambda settles upload quotas).
    const dataSourceEnvironment = { ...lambdaEnvironment, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint };
    bindDataSources(createDataSources(api, { dynamodb: dynamo.client, tableName, bus, resolveEnv, lambdaEnvironment: dataSourceEnvironment, httpEndpoints: opts.httpEndpoints, log }));
    const streams = await startStreamHandlers({ api, dynamo, tableName, resolveEnv, lambdaEnvironment, dataDir, log });
    stops.push(() => streams.stop());

    const authenticator = createAuthenticator({
      modes,
      userPool: cognito ? { issuer: cognito.issuer, jwksUri: cognito.jwksUri, clientIds: [cognito.clientId] } : undefined,
      apiKeys: secrets.apiKey ? [secrets.apiKey] : [],
      iam: secrets.iam ? { credentials: [secrets.iam], region: REGION } : undefined,
    });
    const deps = { loaded, resolvers, authorizeField: fieldAuthorizerFromDirectives(api.authentication.default), env, log };
    const realtime = createRealtimeServer({
      engine: createRealtimeEngine({ ...deps, authenticator }),
      keepAliveIntervalMs: opts.keepAliveIntervalMs,
      connectionInitTimeoutMs: opts.connectionInitTimeoutMs,
      log: (l) => log(`[realtime] ${l}`),
    });
    stops.push(() => realtime.close());
    const path = '/graphql';
    const onGraphql = graphqlHttpHandler({ ...deps, authenticator, publisher: realtime.publisher, path }, log);
    let amplifyConfig: Record<string, unknown> = {};
    const webApp = opts.webAppDir ? webAppHandler(opts.webAppDir, () => amplifyConfig) : undefined;
    const onRequest: typeof onGraphql = webApp ? (req, res) => void (webApp(req, res) || onGraphql(req, res)) : onGraphql;
    const server = await listen({
      port: opts.port ?? 0,
      host,
      tls: cert,
      limits: opts.limits,
      reply: appSyncReply,
      log,
      onRequest,
      onUpgrade: (req, socket, head) => {
        if ((req.url ?? '').startsWith(`${path}/realtime`)) realtime.handleUpgrade(req, socket, head);
        else answerAndClose(socket, 404);
      },
    });
    stops.push(() => server.close());

    const graphqlUrl = `http://${host}:${server.port}${path}`;
    const realtimeUrl = `wss://${host}:${server.port}${path}/realtime`;
    amplifyConfig = {
      API: {
        GraphQL: {
          endpoint: graphqlUrl,
          region: REGION,
          defaultAuthMode: authModeName(api.authentication.default),
          ...(secrets.apiKey ? { apiKey: secrets.apiKey.key } : {}),
        },
      },
      ...(cognito ? { Auth: { Cognito: { userPoolId: cognito.userPoolId, userPoolClientId: cognito.clientId, userPoolEndpoint: cognito.endpoint, loginWith: { email: true } } } } : {}),
    };
    log(`[runtime] ready: ${phases.join(', ')}`);
    const amplifyConfigPath = join(dataDir, 'amplify-config.json');
    writeFileSync(amplifyConfigPath, `${JSON.stringify(amplifyConfig, null, 2)}\n`);
    // The same for Amplify Gen 2 clients (JS, Swift, Android, Flutter), the issuer's endpoint in `custom`.
    const amplifyOutputs = toAmplifyOutputs({
      region: REGION,
      graphqlUrl,
      userPool: cognito && { userPoolId: cognito.userPoolId, userPoolClientId: cognito.clientId },
      userPoolEndpoint: cognito?.endpoint,
      defaultAuthType: api.authentication.default as AppSyncAuthType,
      additionalAuthTypes: api.authentication.additional as AppSyncAuthType[] | undefined,
      apiKey: secrets.apiKey?.key,
    });
    const amplifyOutputsPath = join(dataDir, 'amplify_outputs.json');
    writeFileSync(amplifyOutputsPath, `${JSON.stringify(amplifyOutputs, null, 2)}\n`);
    writeFileSync(
      join(dataDir, 'runtime.json'),
      `${JSON.stringify({ pid: process.pid, graphqlUrl, realtimeUrl, caCertPath: cert.caCertPath, cognito: cognito && { endpoint: cognito.endpoint, userPoolId: cognito.userPoolId, clientId: cognito.clientId }, dynamodb: dynamo.endpoint, s3: s3?.endpoint, events: notifications?.eventsEndpoint }, null, 2)}\n`,
    );

    return {
      graphqlUrl,
      realtimeUrl,
      port: server.port,
      dataDir,
      caCertPath: cert.caCertPath,
      amplifyConfig,
      amplifyConfigPath,
      amplifyOutputs: amplifyOutputs as unknown as Record<string, unknown>,
      amplifyOutputsPath,
      webAppUrl: webApp ? `http://${host}:${server.port}${WEB_APP_PATH}` : undefined,
      apiKey: secrets.apiKey?.key,
      iamCredentials: secrets.iam,
      cognito,
      dynamodb: { endpoint: dynamo.endpoint, client: dynamo.client },
      bus,
      tableName,
      s3: s3 && { endpoint: s3.endpoint, bucketName: s3.bucketName, credentials: s3.credentials },
      notifications,
      drainStreams: () => streams.drain(),
      sweepTtl: () => sweeper.sweep(),
      sweepExpiredObjects: (nowMs?: number) => (s3 ? s3.sweepExpired(nowMs) : Promise.resolve(0)),
      streamFailures: streams.failureQueues,
      async flushNotifications() {
        await streams.drain();
        await bus.flush();
        await notifications?.flush();
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Like Promise.all, but waits for every start to settle before failing, so each one's stop is registered. */
async function allOrNothing<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

function authModeName(mode: string): string {
  return { AMAZON_COGNITO_USER_POOLS: 'userPool', API_KEY: 'apiKey', AWS_IAM: 'iam' }[mode] ?? 'userPool';
}

export const newKey = (bytes: number) => randomBytes(bytes).toString('hex');
