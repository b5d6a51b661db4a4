import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { SigningKey } from './cognito-keys.ts';
import { createHardenedServer, type ServerLimits } from '../net/harden.ts';
import { cognitoAdminGate, type AdminCredential } from './cognito-admin-auth.ts';

/**
 * cognito-local's HTTP API, assembled in this process from its own parts.
 *
 * Its `createDefaultServer` reads `./.cognito` under the working directory and pulls in aws-sdk v2
 * (≈1 s to load, for Lambda triggers and KMS we never use), so we build the same services by hand:
 * data under `dataDir`, no triggers, a token generator that re-signs with the data directory's key,
 * and our own JWKS / OpenID routes (cognito-local's hard-code `localhost:9229` and its shipped key).
 */
const load = createRequire(import.meta.url);
const lib = (path: string): unknown => load(`cognito-local/lib/${path}`);

type Services = import('cognito-local/lib/services/index.js').Services;
type TokenGenerator = import('cognito-local/lib/services/tokenGenerator.js').TokenGenerator;

export interface CognitoServer {
  port: number;
  close(): Promise<void>;
}

export interface CognitoServerOptions {
  dataDir: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  key: SigningKey;
  /** `http://host:port`, known only once the port is bound; tokens read it when issued. */
  issuerDomain: (port: number) => string;
  limits?: Partial<ServerLimits>;
  log?: (line: string) => void;
  /** Access keys whose SigV4 signatures the admin (IAM) operations accept; see cognito-admin-auth.ts. */
  adminCredentials: AdminCredential[];
  region: string;
}

export async function startCognitoServer(opts: CognitoServerOptions): Promise<CognitoServer> {
  const svc = lib('services/index.js') as typeof import('cognito-local/lib/services/index.js');
  const { CognitoServiceFactoryImpl } = lib('services/cognitoService.js') as typeof import('cognito-local/lib/services/cognitoService.js');
  const { UserPoolServiceFactoryImpl } = lib('services/userPoolService.js') as typeof import('cognito-local/lib/services/userPoolService.js');
  const { StormDBDataStoreFactory } = lib('services/dataStore/stormDb.js') as typeof import('cognito-local/lib/services/dataStore/stormDb.js');
  const { JwtTokenGenerator } = lib('services/tokenGenerator.js') as typeof import('cognito-local/lib/services/tokenGenerator.js');
  const { otp } = lib('services/otp.js') as typeof import('cognito-local/lib/services/otp.js');
  const { MessageDeliveryService } = lib('services/messageDelivery/messageDelivery.js') as typeof import('cognito-local/lib/services/messageDelivery/messageDelivery.js');
  const { ConsoleMessageSender } = lib('services/messageDelivery/consoleMessageSender.js') as typeof import('cognito-local/lib/services/messageDelivery/consoleMessageSender.js');
  const { Router } = lib('server/Router.js') as typeof import('cognito-local/lib/server/Router.js');
  const { createServer: createCognitoApp } = lib('server/server.js') as typeof import('cognito-local/lib/server/server.js');
  // pino is cognito-local's own dependency: resolve it from there, not from our package.json.
  const pino = createRequire(load.resolve('cognito-local/lib/server/server.js'))('pino') as (o: object) => unknown;

  const logger = pino({ level: process.env.COGNITO_LOCAL_DEBUG ? 'debug' : 'silent' }) as never;
  const ctx = { logger };
  const dbDir = join(opts.dataDir, 'db');
  const clock = new svc.DateClock();
  const stores = new StormDBDataStoreFactory(dbDir);
  const userPoolDefaults = { UsernameAttributes: ['email'] };
  const cognito = await new CognitoServiceFactoryImpl(dbDir, stores, new UserPoolServiceFactoryImpl(clock, stores)).create(ctx, userPoolDefaults);
  // No trigger is configured, so neither the Lambda client nor the KMS crypto is ever called.
  const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not available in the local issuer')) });
  const triggers = new svc.TriggersService(clock, cognito, new svc.LambdaService({}, unused as never), unused as never);
  const tokenConfig = { IssuerDomain: '' };
  const inner = new JwtTokenGenerator(clock, triggers, tokenConfig);
  const tokenGenerator: TokenGenerator = {
    async generate(...args) {
      const t = await inner.generate(...args);
      const [AccessToken, IdToken, RefreshToken] = await Promise.all([t.AccessToken, t.IdToken, t.RefreshToken].map((x) => opts.key.resign(x)));
      return { AccessToken: AccessToken!, IdToken: IdToken!, RefreshToken: RefreshToken! };
    },
  };
  const config = { UserPoolDefaults: userPoolDefaults, TriggerFunctions: {}, TokenConfig: tokenConfig } as unknown as Services['config'];
  const services: Services = {
    clock,
    cognito,
    config,
    messages: new svc.MessagesService(triggers, new MessageDeliveryService(new ConsoleMessageSender())),
    otp,
    tokenGenerator,
    triggers,
  };
  const app = createCognitoApp(Router(services), logger, { development: false }, services).application as (req: IncomingMessage, res: ServerResponse) => void;

  // cognito-local answers an operation it lacks with 500; Cognito answers 400 UnknownOperationException.
  const { isSupportedTarget } = lib('targets/Target.js') as { isSupportedTarget(target: string): boolean };
  const unknownOperation = (target: string | string[] | undefined) => {
    const [service, op, ...rest] = typeof target === 'string' ? target.split('.') : [];
    return !(service === 'AWSCognitoIdentityProviderService' && op && rest.length === 0 && isSupportedTarget(op));
  };
  const wellKnown = /^\/([^/]+)\/\.well-known\/(jwks\.json|openid-configuration)$/;
  const adminGate = cognitoAdminGate({ credentials: opts.adminCredentials, region: opts.region });
  // Hardened (net/harden.ts): a malformed target gets 400 before the URL below is read.
  const server: Server = createHardenedServer((req, res) => {
    const m = req.method === 'GET' ? wellKnown.exec(new URL(req.url ?? '/', 'http://x').pathname) : null;
    if (!m && req.method === 'POST' && unknownOperation(req.headers['x-amz-target'])) {
      req.resume();
      const body = JSON.stringify({ __type: 'UnknownOperationException', message: `Unknown operation ${String(req.headers['x-amz-target'] ?? '(none)')}` });
      return res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'UnknownOperationException' }).end(body);
    }
    if (!m) {
      adminGate(req, res).then(
        (pass) => pass && app(req, res),
        () => res.headersSent || res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end('{"__type":"SerializationException","message":"The request could not be read."}'),
      );
      return;
    }
    const issuer = `${tokenConfig.IssuerDomain}/${m[1]}`;
    const body = m[2] === 'jwks.json' ? { keys: [opts.key.publicJwk] } : { issuer, jwks_uri: `${issuer}/.well-known/jwks.json`, id_token_signing_alg_values_supported: ['RS256'] };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }, { limits: opts.limits, log: opts.log ?? (() => {}) });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : opts.port);
    });
  });
  tokenConfig.IssuerDomain = opts.issuerDomain(port);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
