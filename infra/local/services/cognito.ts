/**
 * The local Cognito-compatible issuer (cognito-server.ts, cognito-idp/), run in this process, with
 * one user pool and one app client that are created on the first start and reused on later starts
 * with the same data directory. Users sign in with their e-mail address, by SRP (Amplify's default)
 * or USER_PASSWORD_AUTH. Tokens are RS256 JWTs signed with a key of the data directory (see
 * cognito-keys.ts). Admin (IAM) operations need a SigV4 signature with the stack's dev credentials.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { COGNITO_SIGNING_NAME, type AdminCredential } from './cognito-admin-auth.ts';
import { loadOrCreateSigningKey } from './cognito-keys.ts';
import { startCognitoServer, type CognitoServer } from './cognito-server.ts';
import * as srp from './cognito-idp/srp.ts';
import type { TokenLifetimes } from './cognito-idp/tokens.ts';
import type { ServerLimits } from '../net/harden.ts';
import { RUNTIME_NAME } from '../names.ts';

export interface SignInTokens {
  idToken: string;
  accessToken: string;
  refreshToken: string;
  /** Seconds the access and id tokens are valid for. */
  expiresIn: number;
}

export interface LocalCognito {
  /** Base URL of the Cognito user-pool API (what an SDK or Amplify's `userPoolEndpoint` takes). */
  endpoint: string;
  userPoolId: string;
  clientId: string;
  /** The `iss` of its tokens: `<endpoint>/<userPoolId>`. */
  issuer: string;
  jwksUri: string;
  region: string;
  /** Creates the user, or sets the password of an existing one; adds the groups it is not in yet. */
  createUser(opts: { email: string; password: string; groups?: string[] }): Promise<{ sub: string }>;
  /** Signs in as Amplify does by default (USER_SRP_AUTH, then PASSWORD_VERIFIER). */
  signIn(email: string, password: string): Promise<SignInTokens>;
  /** A raw call of the user-pool API (signed with the dev credentials, which public operations ignore). */
  call(action: string, body: Record<string, unknown>): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface StartCognitoOptions {
  /** Holds the user pool data, the signing key and the pool / client ids. */
  dataDir: string;
  /** Default: the port of the previous start in this data directory (so `iss` stays the same), else a free one. */
  port?: number;
  host?: '127.0.0.1';
  /**
   * Endpoint of an issuer already serving this data directory (another process): talk to it
   * instead of starting a second server on the same files. `stop()` then only forgets it.
   */
  attachTo?: string;
  /** Timeouts and the connection cap of its server (net/harden.ts defaults). */
  limits?: Partial<ServerLimits>;
  /** Where a request that failed inside the server is logged. */
  log?: (line: string) => void;
  /**
   * The dev credentials (`iam` of the data directory's secrets.json) that admin operations are signed
   * with, and that the issuer started here accepts; with attachTo, those the running issuer accepts.
   */
  adminCredentials: AdminCredential;
  /** Local-only token lifetimes overriding the app client's (tests of expiry and refresh). */
  tokenLifetimes?: TokenLifetimes;
  /** The issuer's clock, epoch ms (tests). */
  now?: () => number;
  /** How long an auth challenge may be answered (default 3 minutes, as Cognito). */
  challengeTtlMs?: number;
}

/** An error answered by the Cognito API; `name` is its `__type`, e.g. `NotAuthorizedException`. */
export class CognitoApiError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

interface SavedState {
  userPoolId?: string;
  clientId?: string;
  port?: number;
}

const REGION = 'us-east-1';
/** The app client's flows: those of the CDK stack's client (SRP, password, refresh) and the admin one. */
const AUTH_FLOWS = ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];
const STATE_FILE = 'local-cognito.json';

export async function startCognito(opts: StartCognitoOptions): Promise<LocalCognito> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const stateFile = join(dataDir, STATE_FILE);
  const saved: SavedState = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as SavedState) : {};
  const host = opts.host ?? '127.0.0.1';
  // cognito-local (the issuer before this one) kept its users, passwords in the clear, under db/.
  const legacy = join(dataDir, 'db');
  if (!opts.attachTo && existsSync(legacy)) {
    opts.log?.(
      `the users of the earlier issuer (cognito-local) in ${legacy} are not carried over: add them again with \`npm run local-stack -- user add\`, then delete that folder (it holds their passwords in the clear)`,
    );
  }

  let server: CognitoServer | undefined;
  let endpoint: string;
  if (opts.attachTo) {
    endpoint = opts.attachTo.replace(/\/+$/, '');
  } else {
    const key = await loadOrCreateSigningKey(join(dataDir, 'signing-key.json'));
    const start = (port: number) =>
      startCognitoServer({
        dataDir,
        host,
        port,
        key,
        issuerDomain: (p) => `http://${host}:${p}`,
        limits: opts.limits,
        log: opts.log,
        adminCredentials: [opts.adminCredentials],
        region: REGION,
        now: opts.now,
        tokenLifetimes: opts.tokenLifetimes,
        challengeTtlMs: opts.challengeTtlMs,
      });
    try {
      server = await start(opts.port ?? saved.port ?? 0);
    } catch (e) {
      // The remembered port is taken: any port will do (an explicit one is the caller's choice).
      if (opts.port !== undefined || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      server = await start(0);
    }
    endpoint = `http://${host}:${server.port}`;
  }
  const api = cognitoApi(endpoint, opts.adminCredentials);

  try {
    const { userPoolId, clientId } = await ensurePoolAndClient(api, saved);
    if (!opts.attachTo) writeFileSync(stateFile, `${JSON.stringify({ userPoolId, clientId, port: server?.port }, null, 2)}\n`);
    const issuer = `${endpoint}/${userPoolId}`;
    return {
      endpoint,
      userPoolId,
      clientId,
      issuer,
      jwksUri: `${issuer}/.well-known/jwks.json`,
      region: REGION,
      createUser: (u) => createUser(api, userPoolId, u),
      signIn: (email, password) => signIn(api, userPoolId, clientId, email, password),
      call: api,
      stop: async () => {
        await server?.close();
        server = undefined;
      },
    };
  } catch (e) {
    await server?.close();
    throw e;
  }
}

type CognitoApi = (action: string, body: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** The Cognito JSON protocol, every call SigV4-signed as the AWS SDK signs admin calls (public ones ignore it). */
function cognitoApi(endpoint: string, credentials: AdminCredential): CognitoApi {
  const url = new URL(`${endpoint}/`);
  const signer = new SignatureV4({ credentials, region: REGION, service: COGNITO_SIGNING_NAME, sha256: Hash.bind(null, 'sha256') });
  return async (action, body) => {
    const text = JSON.stringify(body);
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${action}` },
      body: text,
    });
    const res = await fetch(url, { method: 'POST', headers: signed.headers, body: text }).catch((e: unknown) => {
      // A kept-alive socket to an issuer that has just stopped (a restart on the same port) can be
      // reused before its close is seen; the request never reached a server, so send it once more.
      if ((e as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw e;
      return fetch(url, { method: 'POST', headers: signed.headers, body: text });
    });
    const answer = await res.text();
    const json = (answer ? JSON.parse(answer) : {}) as Record<string, unknown>;
    if (!res.ok) {
      const type = String(json.__type ?? json.code ?? `HTTP ${res.status}`).replace(/^.*#/, '');
      throw new CognitoApiError(type, `${action}: ${String(json.message ?? answer)}`);
    }
    return json;
  };
}

async function ensurePoolAndClient(api: CognitoApi, saved: SavedState): Promise<{ userPoolId: string; clientId: string }> {
  let userPoolId = saved.userPoolId;
  if (userPoolId && !(await exists(() => api('DescribeUserPool', { UserPoolId: userPoolId })))) userPoolId = undefined;
  if (!userPoolId) {
    const created = await api('CreateUserPool', {
      PoolName: RUNTIME_NAME,
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
    });
    userPoolId = String((created.UserPool as { Id: string }).Id);
  }
  let clientId = saved.clientId;
  if (clientId && userPoolId === saved.userPoolId) {
    const id = clientId;
    if (!(await exists(() => api('DescribeUserPoolClient', { UserPoolId: userPoolId, ClientId: id })))) clientId = undefined;
  } else {
    clientId = undefined;
  }
  if (!clientId) {
    const created = await api('CreateUserPoolClient', {
      UserPoolId: userPoolId,
      ClientName: RUNTIME_NAME,
      GenerateSecret: false,
      ExplicitAuthFlows: AUTH_FLOWS,
      // As the CDK stack's client: an unknown user is answered as a wrong password.
      PreventUserExistenceErrors: 'ENABLED',
    });
    clientId = String((created.UserPoolClient as { ClientId: string }).ClientId);
  }
  return { userPoolId, clientId };
}

async function exists(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (e) {
    if (e instanceof CognitoApiError && e.name === 'ResourceNotFoundException') return false;
    throw e;
  }
}

const attribute = (user: Record<string, unknown>, name: string): string | undefined =>
  ((user.UserAttributes ?? user.Attributes) as Array<{ Name: string; Value: string }> | undefined)?.find((a) => a.Name === name)?.Value;

async function createUser(api: CognitoApi, userPoolId: string, u: { email: string; password: string; groups?: string[] }): Promise<{ sub: string }> {
  let user: Record<string, unknown>;
  try {
    user = await api('AdminGetUser', { UserPoolId: userPoolId, Username: u.email });
  } catch (e) {
    if (!(e instanceof CognitoApiError && e.name === 'UserNotFoundException')) throw e;
    const created = await api('AdminCreateUser', {
      UserPoolId: userPoolId,
      Username: u.email,
      TemporaryPassword: u.password,
      MessageAction: 'SUPPRESS', // the password is set right below
      UserAttributes: [
        { Name: 'email', Value: u.email },
        { Name: 'email_verified', Value: 'true' },
      ],
    });
    user = created.User as Record<string, unknown>;
  }
  const username = String(user.Username);
  // A permanent password skips the NEW_PASSWORD_REQUIRED challenge of a fresh admin-created user.
  await api('AdminSetUserPassword', { UserPoolId: userPoolId, Username: username, Password: u.password, Permanent: true });
  if (u.groups?.length) {
    const current = await api('AdminListGroupsForUser', { UserPoolId: userPoolId, Username: username });
    const have = new Set(((current.Groups ?? []) as Array<{ GroupName: string }>).map((g) => g.GroupName));
    for (const group of u.groups.filter((g) => !have.has(g))) {
      try {
        await api('CreateGroup', { UserPoolId: userPoolId, GroupName: group });
      } catch (e) {
        if (!(e instanceof CognitoApiError && e.name === 'GroupExistsException')) throw e;
      }
      await api('AdminAddUserToGroup', { UserPoolId: userPoolId, Username: username, GroupName: group });
    }
  }
  const sub = attribute(user, 'sub');
  if (!sub) throw new Error(`user ${u.email} has no sub attribute`);
  return { sub };
}

async function signIn(api: CognitoApi, userPoolId: string, clientId: string, email: string, password: string): Promise<SignInTokens> {
  const a = srp.clientEphemeral();
  const challenge = await api('InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: clientId, AuthParameters: { USERNAME: email, SRP_A: a.A.toString(16) } });
  const params = challenge.ChallengeParameters as Record<string, string>;
  const timestamp = srp.formatTimestamp(Date.now());
  const signature = srp.clientClaim({
    a,
    poolName: srp.poolNameOf(userPoolId),
    username: params.USER_ID_FOR_SRP!,
    password,
    salt: params.SALT!,
    srpB: params.SRP_B!,
    secretBlock: params.SECRET_BLOCK!,
    timestamp,
  });
  const out = await api('RespondToAuthChallenge', {
    ClientId: clientId,
    ChallengeName: 'PASSWORD_VERIFIER',
    ChallengeResponses: { USERNAME: params.USER_ID_FOR_SRP, PASSWORD_CLAIM_SECRET_BLOCK: params.SECRET_BLOCK, TIMESTAMP: timestamp, PASSWORD_CLAIM_SIGNATURE: signature },
  });
  const r = out.AuthenticationResult as { IdToken?: string; AccessToken?: string; RefreshToken?: string; ExpiresIn?: number } | undefined;
  if (!r?.IdToken || !r.AccessToken) {
    throw new CognitoApiError('ChallengeRequired', `sign-in of ${email} needs the ${String(out.ChallengeName)} challenge, which this helper does not answer`);
  }
  return { idToken: r.IdToken, accessToken: r.AccessToken, refreshToken: r.RefreshToken ?? '', expiresIn: r.ExpiresIn ?? 3600 };
}
