/**
 * A signed-in user of the API: its own Amplify context (not the global singleton), so several users
 * can work in one process — tests run two editors side by side — with Amplify's own token store and
 * refresh behind it. Sign-in is Amplify's default (SRP), against Cognito and the local issuer alike,
 * unless told otherwise.
 */
import { createAmplifyContext } from 'aws-amplify';
import { createAWSCredentialsAndIdentityIdProvider, createUserPoolsTokenProvider } from 'aws-amplify/adapter-core';
import { fetchAuthSession, signIn as amplifySignIn, signOut as amplifySignOut } from 'aws-amplify/auth';
import { parseAmplifyConfig } from 'aws-amplify/utils';
import type { ClientConfig } from './amplify-config.ts';
import { UnauthorizedError, toCraftSyncError } from './errors.ts';
import { memoryStorage, type KeyValueStorage } from './storage.ts';

export type AmplifyContext = ReturnType<typeof createAmplifyContext>;

export interface Session {
  readonly config: ClientConfig;
  /** The Amplify context every API call of this session goes through. */
  readonly ctx: AmplifyContext;
  signIn(email: string, password: string, opts?: { authFlowType?: 'USER_PASSWORD_AUTH' | 'USER_SRP_AUTH' }): Promise<void>;
  /** Signs out; every Api of this session is closed first (Api.close), so nothing keeps Node running. */
  signOut(): Promise<void>;
  /** Runs `release` when the session signs out (how an Api closes with it). Returns the unregister function. */
  onSignOut(release: () => Promise<void> | void): () => void;
  /** The signed-in user (Cognito `sub`, username, and the id token's e-mail when it has one); UnauthorizedError when nobody is. */
  currentUser(): Promise<{ sub: string; username: string; email?: string }>;
  /** A current access token (refreshed by Amplify when needed). */
  accessToken(): Promise<string>;
}

export interface SessionOptions {
  /** Where tokens live (default: memory). */
  storage?: KeyValueStorage;
}

const SIGN_IN_REFUSED = /^(NotAuthorized|InvalidPassword|UserNotFound|UserNotConfirmed|PasswordResetRequired)Exception$/;

export function createSession(config: ClientConfig, opts: SessionOptions = {}): Session {
  const parsed = parseAmplifyConfig(config.amplify);
  const storage = opts.storage ?? memoryStorage();
  const auth = parsed.Auth;
  const ctx = createAmplifyContext(
    parsed,
    auth ? { Auth: { tokenProvider: createUserPoolsTokenProvider(auth, storage), credentialsProvider: createAWSCredentialsAndIdentityIdProvider(auth, storage) } } : undefined,
  );
  const releases = new Set<() => Promise<void> | void>();
  const session: Session = {
    config,
    ctx,
    async signIn(email, password, o = {}) {
      const authFlowType = o.authFlowType ?? 'USER_SRP_AUTH';
      // A stale user in the store would make Amplify refuse ("already signed in").
      await amplifySignOut(ctx).catch(() => undefined);
      try {
        const res = await amplifySignIn(ctx, { username: email, password, options: { authFlowType } });
        if (!res.isSignedIn) throw new UnauthorizedError('Unauthorized', `sign-in needs another step: ${res.nextStep.signInStep}`);
      } catch (e) {
        // The credentials were refused: a wrong password (NotAuthorized), no such user, or a user who
        // cannot sign in yet.
        const name = (e as { name?: string } | null)?.name ?? '';
        if (SIGN_IN_REFUSED.test(name)) throw new UnauthorizedError('Unauthorized', `sign-in refused: ${(e as Error).message}`, { reason: name }, { cause: e });
        throw toCraftSyncError(e);
      }
    },
    async signOut() {
      for (const release of [...releases]) await release();
      await amplifySignOut(ctx);
    },
    onSignOut(release) {
      releases.add(release);
      return () => void releases.delete(release);
    },
    async currentUser() {
      const tokens = (
        await fetchAuthSession(ctx).catch((e: unknown) => {
          throw toCraftSyncError(e);
        })
      ).tokens;
      if (!tokens) throw new UnauthorizedError('Unauthorized', 'not signed in');
      const p = tokens.accessToken.payload;
      const email = tokens.idToken?.payload.email;
      return { sub: String(p.sub), username: String(p.username ?? p.sub), ...(typeof email === 'string' ? { email } : {}) };
    },
    async accessToken() {
      const tokens = (await fetchAuthSession(ctx)).tokens;
      if (!tokens) throw new UnauthorizedError('Unauthorized', 'not signed in');
      return tokens.accessToken.toString();
    },
  };
  return session;
}
