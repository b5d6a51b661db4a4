/**
 * Auth challenges in flight, in memory only (a restart ends them, as a new sign-in starts one): the
 * PASSWORD_VERIFIER state behind a SECRET_BLOCK and the NEW_PASSWORD_REQUIRED state behind a Session.
 * Each is used once and lives `ttlMs` (Cognito's default session validity is 3 minutes); a used one is
 * remembered until then so a replay is told apart from garbage. Bounded in count.
 */
import { randomBytes } from 'node:crypto';
import { notAuthorized } from './errors.ts';

export interface Challenge {
  poolId: string;
  clientId: string;
  username: string;
  /** The state the answer is checked against (SRP values, or nothing for a new password). */
  state: Record<string, unknown>;
}

interface Entry extends Challenge {
  expiresAt: number;
  used: boolean;
}

export interface ChallengeStore {
  /** Starts a challenge; returns its handle (the SECRET_BLOCK or Session, base64). */
  open(c: Challenge): string;
  /** Takes the challenge a handle names, once; NotAuthorizedException when unknown, used or expired. */
  take(handle: string): Challenge;
}

const MAX_OPEN = 10_000;

export function challengeStore(now: () => number, ttlMs: number): ChallengeStore {
  const entries = new Map<string, Entry>();
  const prune = () => {
    const t = now();
    for (const [k, e] of entries) if (e.expiresAt <= t) entries.delete(k);
    // Still full: the oldest go first (Map keeps insertion order).
    for (const k of entries.keys()) {
      if (entries.size < MAX_OPEN) break;
      entries.delete(k);
    }
  };
  return {
    open(c) {
      prune();
      const handle = randomBytes(96).toString('base64');
      entries.set(handle, { ...c, expiresAt: now() + ttlMs, used: false });
      return handle;
    },
    take(handle) {
      const e = entries.get(handle);
      if (!e) throw notAuthorized('Invalid session for the user.');
      if (e.expiresAt <= now()) {
        entries.delete(handle);
        throw notAuthorized('Invalid session for the user, session is expired.');
      }
      if (e.used) throw notAuthorized('Invalid session for the user, session can only be used once.');
      e.used = true;
      return e;
    },
  };
}
