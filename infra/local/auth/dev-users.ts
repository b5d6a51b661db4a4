/**
 * What the CLI's `user add` and `token` commands do against the local issuer: dev users are plain
 * user-pool users with a permanent password, and a token is what the issuer's SRP sign-in
 * (Amplify's default flow) returns (AppSync accepts the access token and the id token alike).
 */
import type { LocalCognito } from '../services/cognito.ts';

type Issuer = Pick<LocalCognito, 'createUser' | 'signIn'>;

export interface DevUser {
  email: string;
  sub: string;
  groups: string[];
}

/** Creates the user or, if it exists, resets its password and adds the groups it is not in yet. */
export async function addDevUser(cognito: Issuer, email: string, password: string, groups: string[] = []): Promise<DevUser> {
  const { sub } = await cognito.createUser({ email, password, groups });
  return { email, sub, groups };
}

export interface DevToken {
  /** For the `authorization` header (no `Bearer ` prefix: AppSync refuses one). */
  accessToken: string;
  idToken: string;
  /** Epoch seconds. */
  expiresAt: number;
}

export async function devToken(cognito: Issuer, email: string, password: string, now: () => number = Date.now): Promise<DevToken> {
  const t = await cognito.signIn(email, password);
  return { accessToken: t.accessToken, idToken: t.idToken, expiresAt: Math.floor(now() / 1000) + t.expiresIn };
}
