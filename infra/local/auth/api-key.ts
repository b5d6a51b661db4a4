import { missingCredential, notAuthorized } from './errors.ts';
import type { AuthResult } from './types.ts';

export interface ApiKey {
  key: string;
  /** Epoch seconds, as AppSync's `expires`. */
  expiresAt: number;
}

/** API_KEY mode: the `x-api-key` header must name a key of the API that has not expired. Identity is null. */
export function apiKeyVerifier(keys: ApiKey[], now: () => number = () => Date.now() / 1000) {
  const byKey = new Map(keys.map((k) => [k.key, k]));
  return (presented: string): AuthResult => {
    if (!presented) return missingCredential();
    const known = byKey.get(presented);
    if (!known || known.expiresAt <= now()) return notAuthorized();
    return { ok: true, mode: 'API_KEY', identity: null };
  };
}
