import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { CognitoIdentity } from '../appsync-js/types.ts';
import { expiredJwt, notAuthorized, unparsableJwt } from './errors.ts';
import type { AuthResult } from './types.ts';

export interface UserPoolConfig {
  /** `iss` of the pool's tokens, e.g. `https://cognito-idp.<region>.amazonaws.com/<poolId>`. */
  issuer: string;
  jwksUri: string;
  /** App clients whose tokens the API accepts (AppSync's `appIdClientRegex`, as a list). */
  clientIds: string[];
}

export interface UserPoolVerifierOptions {
  /** The time tokens are checked against (tests); default now. */
  now?: () => Date;
}

/**
 * Verifies a Cognito user-pool JWT as AppSync does: RS256 signature by a key of the pool's JWKS,
 * `iss` equal to the pool's issuer, not expired, and from an accepted app client — `aud` for an
 * id token, `client_id` for an access token (access tokens carry no `aud`). The JWKS is fetched
 * once and again only when a token names a key id it has not seen.
 */
export function userPoolVerifier(pool: UserPoolConfig, opts: UserPoolVerifierOptions = {}) {
  const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(pool.jwksUri));
  const clients = new Set(pool.clientIds);

  return async (token: string, sourceIp: string): Promise<AuthResult> => {
    try {
      decodeProtectedHeader(token);
      decodeJwt(token);
    } catch {
      return unparsableJwt();
    }
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, jwks, {
        algorithms: ['RS256'],
        issuer: pool.issuer,
        currentDate: opts.now?.(),
      }));
    } catch (e) {
      return e instanceof errors.JWTExpired ? expiredJwt() : notAuthorized();
    }
    const clientId = claims.token_use === 'id' ? claims.aud : claims.token_use === 'access' ? claims.client_id : undefined;
    const accepted = Array.isArray(clientId) ? clientId.some((c) => clients.has(c)) : typeof clientId === 'string' && clients.has(clientId);
    if (!accepted || typeof claims.sub !== 'string') return notAuthorized();
    return { ok: true, mode: 'AMAZON_COGNITO_USER_POOLS', identity: cognitoIdentity(claims, sourceIp) };
  };
}

/** AppSync's `ctx.identity` for a user-pool caller. */
export function cognitoIdentity(claims: JWTPayload, sourceIp: string): CognitoIdentity {
  const groups = claims['cognito:groups'];
  return {
    sub: String(claims.sub),
    issuer: String(claims.iss),
    username: String(claims['cognito:username'] ?? claims.username ?? claims.sub),
    claims: { ...claims },
    sourceIp: [sourceIp],
    defaultAuthStrategy: 'ALLOW',
    groups: Array.isArray(groups) ? groups.map(String) : null,
  };
}
