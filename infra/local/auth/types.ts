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

export interface Authenticator {
  /**
   * Picks the mode from the headers (an `x-api-key` header means API_KEY; an `authorization` JWT
   * means user pools; a SigV4 `authorization` means IAM), verifies the credential, and builds
   * `ctx.identity`. Header names are matched case-insensitively.
   */
  authenticate(headers: Record<string, string>, sourceIp: string): Promise<AuthResult>;
}
