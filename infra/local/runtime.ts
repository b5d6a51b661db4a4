/**
 * The local AppSync runtime: one process that serves an ApiDefinition over GraphQL HTTP and the
 * AppSync real-time protocol, running the bundled resolver code against real local stand-ins
 * (DynamoDB Local, a Cognito-compatible issuer, a local event bus). Generic: it knows nothing of
 * any one schema.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ApiDefinition, EnvValue } from '../wiring/types.ts';
import { prepareApi } from '../wiring/prepare.ts';
import { loadResolvers } from './appsync-js/executor.ts';
import { createDataSources } from './datasources/index.ts';
import { LocalEventBus } from './services/event-bus.ts';
import type { LocalCognito } from './services/cognito.ts';
import type { TokenLifetimes } from './services/cognito-idp/tokens.ts';
import { createAuthenticator } from './auth/index.ts';
import type { ServerLimits } from './net/harden.ts';
import { loadOrCreateSecrets, type LocalSecrets } from './secrets.ts';
import { defaultDataDir } from './names.ts';
import { startStreamHandlers } from './services/stream-handlers.ts';
import { loadNotificationsConfig, type LocalNotifications, type NotificationsConfig } from './services/notifications.ts';
import { resolveEnvironment } from '../wiring/environment.ts';
import { startFunctionServices } from './start/functions.ts';
import { serveApi } from './start/routing.ts';
import { writeClientConfig } from './start/client-config.ts';
import { allOrNothing, startStores } from './start/stores.ts';

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

/**
 * Starts the stack in order: the declaration checked and the resolver code bundled while DynamoDB
 * Local, the issuer and the TLS certificate start; then S3, the function services (Lambda, events,
 * notifications), the data sources bound to them, the stream handlers; then the port is opened
 * (start/routing.ts) and the client configuration written (start/client-config.ts).
 */
export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { api } = opts;
  const dataDir = resolve(opts.dataDir ?? defaultDataDir(api.name));
  mkdirSync(dataDir, { recursive: true });
  const host = opts.host ?? '127.0.0.1';
  const modes = [api.authentication.default, ...(api.authentication.additional ?? [])];

  // Fail on a broken declaration before any service starts.
  // The same checks synth runs: every field, data source, table, bucket, bus and handler file named exists.
  const { wiring, schema: loaded } = prepareApi(api);
  const stops: Array<() => Promise<void>> = [];
  const onStop = (s: () => Promise<void>) => void stops.push(s);
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
  const hasBuckets = Object.keys(api.buckets ?? {}).length > 0;
  const hasBuses = Object.keys(api.buses ?? {}).length > 0;
  // The s3 credentials are what Lambda handlers sign with; the local EventBridge accepts them too.
  // The iam ones sign AWS_IAM requests and the local Cognito's admin calls.
  const secrets = loadOrCreateSecrets(join(dataDir, 'secrets.json'), modes, { s3: hasBuckets || hasBuses, webhooks: hasBuses });
  try {
    // Resolver code is bundled and loaded while the JVM starts; it is bound to data sources below.
    const [{ dynamo, sweeper, cognito, cert, s3 }, resolverCode] = await allOrNothing([
      startStores({
        api,
        modes,
        dataDir,
        inMemory: opts.inMemory,
        tlsDir: opts.tlsDir,
        host,
        region: REGION,
        limits: opts.limits,
        tokenLifetimes: opts.tokenLifetimes,
        secrets,
        tableName,
        timed,
        onStop,
        log,
      }),
      timed('resolvers', loadResolvers({ wiring, log })),
    ]);
    const notificationsConfig = opts.notifications ?? loadNotificationsConfig(dataDir, process.env, api.name);
    const bus = new LocalEventBus({ region: REGION, retries: notificationsConfig.retries, log: (l: string) => log(`[events] ${l}`) });
    const resolveEnv = (v: EnvValue): string => {
      if (typeof v === 'string') return v;
      if ('tableName' in v) return tableName(v.tableName);
      if ('bucketName' in v) return s3 ? s3.bucketName(v.bucketName) : v.bucketName;
      return v.busName;
    };
    const { lambda, notifications } = await startFunctionServices({
      api,
      dataDir,
      region: REGION,
      host,
      limits: opts.limits,
      secrets,
      bus,
      notificationsConfig,
      dynamodbEndpoint: dynamo.endpoint,
      s3,
      resolveEnv,
      onStop,
      log,
    });
    // Every data source exists before the port opens: the executor calls them directly.
    const resolvers = resolverCode.bind(createDataSources(api, { dynamodb: dynamo.client, tableName, bus, resolveEnv, lambda, httpEndpoints: opts.httpEndpoints, log }));
    const streams = await startStreamHandlers({ api, dynamo, tableName, resolveEnv, lambda, dataDir, log });
    onStop(() => streams.stop());

    const authenticator = createAuthenticator({
      modes,
      userPool: cognito ? { issuer: cognito.issuer, jwksUri: cognito.jwksUri, clientIds: [cognito.clientId] } : undefined,
      apiKeys: secrets.apiKey ? [secrets.apiKey] : [],
      iam: secrets.iam ? { credentials: [secrets.iam], region: REGION } : undefined,
    });
    // The browser app's config.json is the client configuration, known once the port is.
    let clientConfig: Record<string, unknown> = {};
    const served = await serveApi({
      loaded,
      resolvers,
      defaultAuthMode: api.authentication.default,
      authenticator,
      env: resolveEnvironment(api.environment, resolveEnv),
      port: opts.port ?? 0,
      host,
      tls: cert,
      limits: opts.limits,
      keepAliveIntervalMs: opts.keepAliveIntervalMs,
      connectionInitTimeoutMs: opts.connectionInitTimeoutMs,
      webApp: opts.webAppDir ? { dir: opts.webAppDir, clientConfig: () => clientConfig } : undefined,
      log,
    });
    onStop(() => served.close());

    const { graphqlUrl, realtimeUrl } = served;
    log(`[runtime] ready: ${phases.join(', ')}`);
    const written = writeClientConfig({
      api,
      dataDir,
      region: REGION,
      graphqlUrl,
      realtimeUrl,
      caCertPath: cert.caCertPath,
      apiKey: secrets.apiKey?.key,
      cognito,
      endpoints: { dynamodb: dynamo.endpoint, s3: s3?.endpoint, events: notifications?.eventsEndpoint },
    });
    clientConfig = written.amplifyConfig;

    return {
      graphqlUrl,
      realtimeUrl,
      port: served.port,
      dataDir,
      caCertPath: cert.caCertPath,
      ...written,
      webAppUrl: served.webAppUrl,
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

export const newKey = (bytes: number) => randomBytes(bytes).toString('hex');
