/**
 * Where the issuer "sends" its codes (sign-up confirmation, password reset): there is no mail
 * locally, so each goes to the log and is appended to an outbox file (`outbox.jsonl`, one JSON object
 * a line, owner-only) under the issuer's data directory. Codes are kept only as hashes.
 */
import { randomInt } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { hashSecret, type StoredCode, type StoredPool, type StoredUser } from './store.ts';

export type CodePurpose = 'SIGN_UP' | 'FORGOT_PASSWORD';

export interface CodeDelivery {
  /** Makes a 6-digit code for the user, delivers it, and returns what to store. */
  send(pool: StoredPool, user: StoredUser, purpose: CodePurpose): StoredCode;
}

const VALIDITY_MS: Record<CodePurpose, number> = { SIGN_UP: 24 * 3600_000, FORGOT_PASSWORD: 3600_000 };

export function codeDelivery(opts: { outboxFile: string; log: (line: string) => void; now: () => number }): CodeDelivery {
  return {
    send(pool, user, purpose) {
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const email = user.attributes.email ?? user.username;
      opts.log(`${purpose === 'SIGN_UP' ? 'confirmation' : 'password reset'} code for ${email}: ${code}`);
      const line = { time: new Date(opts.now()).toISOString(), userPoolId: pool.id, username: user.username, email, purpose, code };
      appendFileSync(opts.outboxFile, `${JSON.stringify(line)}\n`, { mode: 0o600 });
      return { hash: hashSecret(code), expiresAt: opts.now() + VALIDITY_MS[purpose] };
    },
  };
}
