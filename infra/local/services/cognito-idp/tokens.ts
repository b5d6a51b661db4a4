/**
 * The tokens the issuer hands out, shaped as Cognito's: RS256 id and access JWTs (claims below) and
 * an opaque refresh token, stored only as its hash with the user, client and `origin_jti` it belongs
 * to. RevokeToken marks it revoked (so are the access tokens sharing its `origin_jti`); GlobalSignOut
 * revokes every refresh token of the user, and so every access token obtained with one.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { errors } from 'jose';
import type { SigningKey } from '../cognito-keys.ts';
import { notAuthorized } from './errors.ts';
import { hashSecret, type Store, type StoredClient, type StoredPool, type StoredUser } from './store.ts';

export interface AuthenticationResult {
  AccessToken: string;
  IdToken: string;
  RefreshToken?: string;
  ExpiresIn: number;
  TokenType: 'Bearer';
}

/** Local-only lifetimes in seconds that override the app client's (tests of expiry and refresh). */
export interface TokenLifetimes {
  accessSeconds?: number;
  idSeconds?: number;
  refreshSeconds?: number;
}

export interface TokenIssuer {
  /** Tokens for a fresh sign-in: a new refresh token, and a new `origin_jti` for the session. */
  signIn(pool: StoredPool, client: StoredClient, user: StoredUser): Promise<AuthenticationResult>;
  /** New id and access tokens for a refresh token (REFRESH_TOKEN_AUTH, GetTokensFromRefreshToken). */
  refresh(pool: StoredPool, client: StoredClient, refreshToken: string): Promise<AuthenticationResult>;
  /** The user an access token of this pool belongs to; NotAuthorizedException when it is not valid now. */
  userOfAccessToken(token: string): Promise<{ pool: StoredPool; user: StoredUser; claims: Record<string, unknown> }>;
  /** RevokeToken: the refresh token and the access tokens obtained with it stop working. */
  revoke(client: StoredClient, refreshToken: string): void;
  /** GlobalSignOut. */
  signOutEverywhere(pool: StoredPool, user: StoredUser): void;
}

/** Sign-ins kept per user: a dev loop that signs in thousands of times must not grow the state file without end. */
const MAX_SESSIONS_PER_USER = 100;

function dropOldestSessions(pool: StoredPool, username: string): void {
  const mine = Object.entries(pool.refreshTokens).filter(([, t]) => t.username === username);
  if (mine.length <= MAX_SESSIONS_PER_USER) return;
  mine.sort(([, a], [, b]) => a.expiresAt - b.expiresAt);
  for (const [h] of mine.slice(0, mine.length - MAX_SESSIONS_PER_USER)) delete pool.refreshTokens[h];
}

export function tokenIssuer(opts: { store: Store; key: SigningKey; issuerOf: (poolId: string) => string; now: () => number; lifetimes?: TokenLifetimes }): TokenIssuer {
  const { store, key, now } = opts;
  const seconds = () => Math.floor(now() / 1000);
  const lifetimes = (client: StoredClient) => ({
    access: opts.lifetimes?.accessSeconds ?? client.accessTokenValidity,
    id: opts.lifetimes?.idSeconds ?? client.idTokenValidity,
    refresh: opts.lifetimes?.refreshSeconds ?? client.refreshTokenValidity,
  });

  async function jwts(pool: StoredPool, client: StoredClient, user: StoredUser, originJti: string, authTime: number): Promise<AuthenticationResult> {
    const iat = seconds();
    const life = lifetimes(client);
    const iss = opts.issuerOf(pool.id);
    const sub = user.attributes.sub!;
    const groups = user.groups.length ? { 'cognito:groups': [...user.groups] } : {};
    const eventId = randomUUID();
    const profile: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(user.attributes)) {
      if (name === 'sub') continue;
      profile[name] = name.endsWith('_verified') ? value === 'true' : value;
    }
    const [AccessToken, IdToken] = await Promise.all([
      key.sign({
        sub,
        ...groups,
        iss,
        client_id: client.clientId,
        origin_jti: originJti,
        event_id: eventId,
        token_use: 'access',
        scope: 'aws.cognito.signin.user.admin',
        auth_time: authTime,
        exp: iat + life.access,
        iat,
        jti: randomUUID(),
        username: user.username,
      }),
      key.sign({
        sub,
        ...groups,
        ...profile,
        iss,
        'cognito:username': user.username,
        origin_jti: originJti,
        aud: client.clientId,
        event_id: eventId,
        token_use: 'id',
        auth_time: authTime,
        exp: iat + life.id,
        iat,
        jti: randomUUID(),
      }),
    ]);
    return { AccessToken, IdToken, ExpiresIn: life.access, TokenType: 'Bearer' };
  }

  const refreshRecord = (pool: StoredPool, token: string) => {
    const h = hashSecret(token);
    return Object.hasOwn(pool.refreshTokens, h) ? pool.refreshTokens[h] : undefined;
  };

  return {
    async signIn(pool, client, user) {
      const originJti = randomUUID();
      const authTime = seconds();
      const result = await jwts(pool, client, user, originJti, authTime);
      const refreshToken = randomBytes(48).toString('base64url');
      pool.refreshTokens[hashSecret(refreshToken)] = { username: user.username, clientId: client.clientId, originJti, authTime, expiresAt: now() + lifetimes(client).refresh * 1000 };
      dropOldestSessions(pool, user.username);
      store.save();
      return { ...result, RefreshToken: refreshToken };
    },

    async refresh(pool, client, refreshToken) {
      const record = refreshRecord(pool, refreshToken);
      if (!record || record.clientId !== client.clientId) throw notAuthorized('Invalid Refresh Token');
      if (record.revoked) throw notAuthorized('Refresh Token has been revoked');
      if (record.expiresAt <= now()) throw notAuthorized('Refresh Token has expired');
      const user = Object.hasOwn(pool.users, record.username) ? pool.users[record.username] : undefined;
      if (!user) throw notAuthorized('Invalid Refresh Token');
      if (!user.enabled) throw notAuthorized('User is disabled.');
      return jwts(pool, client, user, record.originJti, record.authTime);
    },

    async userOfAccessToken(token) {
      let claims: Record<string, unknown> | undefined;
      let pool: StoredPool | undefined;
      for (const p of store.pools()) {
        try {
          claims = await key.verify(token, opts.issuerOf(p.id), new Date(now()));
          pool = p;
          break;
        } catch (e) {
          if (e instanceof errors.JWTExpired) throw notAuthorized('Access Token has expired');
        }
      }
      if (!claims || !pool || claims.token_use !== 'access') throw notAuthorized('Invalid Access Token');
      const user = Object.hasOwn(pool.users, String(claims.username)) ? pool.users[String(claims.username)] : undefined;
      if (!user) throw notAuthorized('Invalid Access Token');
      const revoked = Object.values(pool.refreshTokens).some((t) => t.originJti === claims.origin_jti && t.revoked);
      if (revoked) throw notAuthorized('Access Token has been revoked');
      return { pool, user, claims };
    },

    revoke(client, refreshToken) {
      const found = store.client(client.clientId);
      const record = found && refreshRecord(found.pool, refreshToken);
      // Cognito answers an unknown token with success too: revoking is idempotent.
      if (!record) return;
      if (record.clientId !== client.clientId) throw notAuthorized('Refresh token was not issued to this client');
      record.revoked = true;
      store.save();
    },

    signOutEverywhere(pool, user) {
      // Every access token shares its origin_jti with a refresh token, so this refuses them too.
      for (const t of Object.values(pool.refreshTokens)) if (t.username === user.username) t.revoked = true;
      store.save();
    },
  };
}
