/**
 * The HTTP face of the local Cognito-compatible issuer (cognito-idp/): the user-pool JSON protocol
 * (POST, `X-Amz-Target: AWSCognitoIdentityProviderService.<Action>`, `application/x-amz-json-1.1`),
 * each pool's JWKS and OpenID configuration, and CORS so the browser app can sign in from its own
 * origin. A malformed request gets Cognito's error as JSON 400 and the server keeps serving (it is
 * hardened by net/harden.ts); admin operations need SigV4 (cognito-admin-auth.ts).
 */
import { join } from 'node:path';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { SigningKey } from './cognito-keys.ts';
import { createHardenedServer, type ServerLimits } from '../net/harden.ts';
import { cognitoAdminGate, operationOf, type AdminCredential } from './cognito-admin-auth.ts';
import { challengeStore } from './cognito-idp/challenges.ts';
import { codeDelivery } from './cognito-idp/codes.ts';
import type { IdpContext } from './cognito-idp/context.ts';
import { CognitoError } from './cognito-idp/errors.ts';
import { OPERATIONS } from './cognito-idp/operations.ts';
import { Store } from './cognito-idp/store.ts';
import { tokenIssuer, type TokenLifetimes } from './cognito-idp/tokens.ts';

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
  /** The issuer's clock, epoch ms (tests move it to expire challenges and tokens). */
  now?: () => number;
  tokenLifetimes?: TokenLifetimes;
  /** How long a PASSWORD_VERIFIER or NEW_PASSWORD_REQUIRED challenge may be answered (Cognito: 3 minutes). */
  challengeTtlMs?: number;
}

const MAX_BODY = 1024 * 1024;
const JSON_TYPE = 'application/x-amz-json-1.1';
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'x-amzn-errortype, x-amzn-requestid, x-amzn-errormessage',
};

export async function startCognitoServer(opts: CognitoServerOptions): Promise<CognitoServer> {
  const log = opts.log ?? (() => {});
  const now = opts.now ?? Date.now;
  let issuerDomain = '';
  const store = new Store(join(opts.dataDir, 'user-pools.json'), now);
  const ctx: IdpContext = {
    store,
    now,
    region: opts.region,
    challenges: challengeStore(now, opts.challengeTtlMs ?? 3 * 60_000),
    codes: codeDelivery({ outboxFile: join(opts.dataDir, 'outbox.jsonl'), log, now }),
    tokens: tokenIssuer({ store, key: opts.key, now, lifetimes: opts.tokenLifetimes, issuerOf: (poolId) => `${issuerDomain}/${poolId}` }),
  };
  const gate = cognitoAdminGate({ credentials: opts.adminCredentials, region: opts.region });
  const wellKnown = /^\/([^/]+)\/\.well-known\/(jwks\.json|openid-configuration)$/;

  const answer = (res: ServerResponse, status: number, body: unknown, type = 'application/json') => {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...CORS, 'content-type': type, 'content-length': Buffer.byteLength(text) }).end(text);
  };
  const fail = (res: ServerResponse, e: CognitoError) => {
    const text = JSON.stringify({ __type: e.type, message: e.message });
    res.writeHead(e.status, { ...CORS, 'content-type': JSON_TYPE, 'x-amzn-errortype': `${e.type}:`, 'content-length': Buffer.byteLength(text) }).end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'OPTIONS') {
      req.resume();
      res
        .writeHead(204, {
          ...CORS,
          'access-control-allow-methods': 'POST, GET, OPTIONS',
          'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? 'content-type, x-amz-target, x-amz-user-agent'),
          'access-control-max-age': '600',
        })
        .end();
      return;
    }
    if (req.method === 'GET') {
      req.resume();
      const m = wellKnown.exec(new URL(req.url ?? '/', 'http://x').pathname);
      if (!m || !store.pool(m[1]!)) return fail(res, new CognitoError('ResourceNotFoundException', 'Not found.', 404));
      const issuer = `${issuerDomain}/${m[1]}`;
      return answer(
        res,
        200,
        m[2] === 'jwks.json'
          ? { keys: [opts.key.publicJwk] }
          : { issuer, jwks_uri: `${issuer}/.well-known/jwks.json`, id_token_signing_alg_values_supported: ['RS256'], subject_types_supported: ['public'] },
      );
    }
    const operation = operationOf(req.headers['x-amz-target']);
    if (req.method !== 'POST' || !operation || !Object.hasOwn(OPERATIONS, operation)) {
      req.resume();
      return fail(res, new CognitoError('UnknownOperationException', `Unknown operation ${String(req.headers['x-amz-target'] ?? '(none)').slice(0, 200)}`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_BODY) {
        res.setHeader('connection', 'close');
        return fail(res, new CognitoError('SerializationException', 'The request body is larger than 1 MB.', 413));
      }
      chunks.push(c);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const allowed = await gate(req, operation, text);
    if (!allowed.ok) return fail(res, new CognitoError(allowed.errorType, allowed.message));
    let body: unknown;
    try {
      body = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      return fail(res, new CognitoError('SerializationException', 'The request body is not valid JSON.'));
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return fail(res, new CognitoError('SerializationException', 'The request body must be a JSON object.'));
    try {
      const out = await OPERATIONS[operation]!(ctx, body as Record<string, unknown>);
      answer(res, 200, out, JSON_TYPE);
    } catch (e) {
      if (e instanceof CognitoError) return fail(res, e);
      throw e;
    }
  };

  const server: Server = createHardenedServer(handle, { limits: opts.limits, log });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : opts.port);
    });
  });
  issuerDomain = opts.issuerDomain(port);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
