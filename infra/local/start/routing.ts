/**
 * The routing of the stack's one port: GraphQL over HTTP at `/graphql`, the AppSync real-time
 * protocol on `/graphql/realtime` (upgrades; TLS or not on the same port, net/listener.ts), and the
 * declared browser app at `/app/` when one was built. Everything else: 404.
 */
import type { LoadedSchema } from '../../wiring/schema.ts';
import type { ResolverExecutor } from '../appsync-js/types.ts';
import type { Authenticator } from '../auth/index.ts';
import { fieldAuthorizerFromDirectives } from '../auth/directives.ts';
import type { AuthMode } from '../../wiring/types.ts';
import { appSyncReply, graphqlHttpHandler } from '../graphql/http.ts';
import { createRealtimeEngine } from '../graphql/subscriptions.ts';
import { answerAndClose, type ServerLimits } from '../net/harden.ts';
import { listen } from '../net/listener.ts';
import { WEB_APP_PATH, webAppHandler } from '../net/web-app.ts';
import { createRealtimeServer } from '../realtime/server.ts';

export const GRAPHQL_PATH = '/graphql';

export interface ServeOptions {
  loaded: LoadedSchema;
  resolvers: ResolverExecutor;
  defaultAuthMode: AuthMode;
  authenticator: Authenticator;
  /** Resolved API environment (`ctx.env`). */
  env: Record<string, string>;
  port: number;
  host: string;
  tls: { key: string; cert: string };
  limits?: Partial<ServerLimits>;
  keepAliveIntervalMs?: number;
  connectionInitTimeoutMs?: number;
  /** A built browser app to serve at `/app/`, with `clientConfig()` as its config.json. */
  webApp?: { dir: string; clientConfig: () => Record<string, unknown> };
  log: (line: string) => void;
}

export interface ServedApi {
  port: number;
  graphqlUrl: string;
  realtimeUrl: string;
  webAppUrl?: string;
  close(): Promise<void>;
}

export async function serveApi(o: ServeOptions): Promise<ServedApi> {
  const { log } = o;
  const deps = { loaded: o.loaded, resolvers: o.resolvers, authorizeField: fieldAuthorizerFromDirectives(o.defaultAuthMode), env: o.env, log };
  const realtime = createRealtimeServer({
    engine: createRealtimeEngine({ ...deps, authenticator: o.authenticator }),
    keepAliveIntervalMs: o.keepAliveIntervalMs,
    connectionInitTimeoutMs: o.connectionInitTimeoutMs,
    log: (l) => log(`[realtime] ${l}`),
  });
  const onGraphql = graphqlHttpHandler({ ...deps, authenticator: o.authenticator, publisher: realtime.publisher, path: GRAPHQL_PATH }, log);
  const webApp = o.webApp ? webAppHandler(o.webApp.dir, o.webApp.clientConfig) : undefined;
  const onRequest: typeof onGraphql = webApp ? (req, res) => void (webApp(req, res) || onGraphql(req, res)) : onGraphql;
  let server;
  try {
    server = await listen({
      port: o.port,
      host: o.host,
      tls: o.tls,
      limits: o.limits,
      reply: appSyncReply,
      log,
      onRequest,
      onUpgrade: (req, socket, head) => {
        if ((req.url ?? '').startsWith(`${GRAPHQL_PATH}/realtime`)) realtime.handleUpgrade(req, socket, head);
        else answerAndClose(socket, 404);
      },
    });
  } catch (e) {
    await realtime.close();
    throw e;
  }
  const listener = server;
  return {
    port: listener.port,
    graphqlUrl: `http://${o.host}:${listener.port}${GRAPHQL_PATH}`,
    realtimeUrl: `wss://${o.host}:${listener.port}${GRAPHQL_PATH}/realtime`,
    webAppUrl: webApp ? `http://${o.host}:${listener.port}${WEB_APP_PATH}` : undefined,
    // The port first (nothing new comes in), then the open real-time sockets.
    async close() {
      await listener.close();
      await realtime.close();
    },
  };
}
