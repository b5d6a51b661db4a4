/**
 * Authentication of a request as AppSync does it, for the modes an API enables.
 *
 * Which mode a request uses is decided by its headers alone (AppSync has no "mode" parameter):
 *   1. `authorization: AWS4-HMAC-SHA256 …`        → AWS_IAM (SigV4)
 *   2. any other `authorization` value            → AMAZON_COGNITO_USER_POOLS (a JWT)
 *   3. `x-api-key`                                → API_KEY
 * The first rule whose mode the API enables wins; so a request carrying both a JWT and an API key
 * is a user-pool request on an API with user pools, and an API-key request on one without.
 * When no rule applies (no header, or only headers of modes the API does not enable) the answer
 * is AppSync's 401 "Valid authorization header not provided.". The default mode (the first of
 * `modes`) matters for field authorization (see directives.ts), not for picking the mode here.
 */
import type { AuthMode } from '../../wiring/types.ts';
import { apiKeyVerifier, type ApiKey } from './api-key.ts';
import { missingCredential } from './errors.ts';
import { iamVerifier, isSigV4, type IamConfig } from './iam.ts';
import type { Authenticator, AuthResult, SignedRequest } from './types.ts';
import { userPoolVerifier, type UserPoolConfig } from './user-pools.ts';

export type { Authenticator, AuthResult, AuthSuccess, AuthFailure, SignedRequest } from './types.ts';
export type { UserPoolConfig } from './user-pools.ts';
export type { IamConfig, IamCredential } from './iam.ts';
export type { ApiKey } from './api-key.ts';

export interface AuthenticatorOptions {
  /** The API's modes; the first is the default. */
  modes: AuthMode[];
  userPool?: UserPoolConfig;
  apiKeys?: ApiKey[];
  iam?: IamConfig;
  /** The clock JWT expiry, API-key expiry and SigV4 skew are checked against (tests); default now. */
  now?: () => Date;
}

export function createAuthenticator(opts: AuthenticatorOptions): Authenticator {
  const enabled = new Set(opts.modes);
  const now = opts.now;
  if (enabled.has('AMAZON_COGNITO_USER_POOLS') && !opts.userPool) throw new Error('AMAZON_COGNITO_USER_POOLS is enabled but no user pool is configured');
  if (enabled.has('AWS_IAM') && !opts.iam) throw new Error('AWS_IAM is enabled but no IAM credentials are configured');
  const userPool = opts.userPool && enabled.has('AMAZON_COGNITO_USER_POOLS') ? userPoolVerifier(opts.userPool, { now }) : undefined;
  const apiKey = enabled.has('API_KEY') ? apiKeyVerifier(opts.apiKeys ?? [], now && (() => now().getTime() / 1000)) : undefined;
  const iam = opts.iam && enabled.has('AWS_IAM') ? iamVerifier({ ...opts.iam, now: opts.iam.now ?? now }) : undefined;

  return {
    async authenticate(rawHeaders, sourceIp, request?: SignedRequest): Promise<AuthResult> {
      const headers = lowerCase(rawHeaders);
      const authorization = headers.authorization;
      if (authorization && isSigV4(authorization) && iam) return iam(headers, sourceIp, request);
      if (authorization && !isSigV4(authorization) && userPool) return userPool(authorization, sourceIp);
      if (headers['x-api-key'] !== undefined && apiKey) return apiKey(headers['x-api-key']);
      return missingCredential();
    },
  };
}

function lowerCase(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}
