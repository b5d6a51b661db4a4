/** Authentication of one request (HTTP) or one WebSocket connect / `start`, as AppSync does it. */
import type { Identity } from '../appsync-js/types.ts';
import type { AuthMode } from '../../wiring/types.ts';

export interface AuthSuccess {
  ok: true;
  mode: AuthMode;
  identity: Identity;
}

export interface AuthFailure {
  ok: false;
  /** AppSync's errorType, e.g. `UnauthorizedException`. */
  errorType: string;
  message: string;
  /** HTTP status AppSync answers with (401 for a missing/invalid credential). */
  status: number;
}

export type AuthResult = AuthSuccess | AuthFailure;

/**
 * What a SigV4 (AWS_IAM) signature covers beyond the headers. Over HTTP: the request's method, path
 * (with query string) and raw body. On the real-time endpoint AppSync checks the signature of the
 * request the client signed instead: `connection_init` / the WebSocket URL header carries a
 * signature of `POST <graphql path>/connect` with body `{}`, and a `start` one of
 * `POST <graphql path>` with the `start` payload's `data` string as the body.
 */
export interface SignedRequest {
  method: string;
  path: string;
  body: string;
}

export interface Authenticator {
  /**
   * Picks the mode from the headers (an `x-api-key` header means API_KEY; an `authorization` JWT
   * means user pools; a SigV4 `authorization` means IAM), verifies the credential, and builds
   * `ctx.identity`. Header names are matched case-insensitively. `request` is needed only to
   * verify an IAM signature; without it an IAM request is refused.
   */
  authenticate(headers: Record<string, string>, sourceIp: string, request?: SignedRequest): Promise<AuthResult>;
}
