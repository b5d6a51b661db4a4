import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';

/**
 * The issuer's RS256 signing key, one per data directory.
 *
 * Generated for this data directory on its first start (kept beside the data, owner-only), so no
 * one else holds a key the runtime would accept; its public half is served as the pool's JWKS.
 */
export interface SigningKey {
  kid: string;
  /** The public JWK as served in `jwks.json`. */
  publicJwk: JWK;
  /** A compact RS256 JWT of `payload` (header: `kid`, `alg`). */
  sign(payload: JWTPayload): Promise<string>;
  /** The payload of a token this key signed, checked against `issuer` and `now`; throws otherwise. */
  verify(token: string, issuer: string, now: Date): Promise<JWTPayload>;
}

export async function loadOrCreateSigningKey(file: string): Promise<SigningKey> {
  let privateJwk: JWK;
  if (existsSync(file)) {
    privateJwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } else {
    const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    privateJwk = await exportJWK(privateKey);
    privateJwk.kid = await calculateJwkThumbprint(privateJwk);
    privateJwk.alg = 'RS256';
    writeFileSync(file, `${JSON.stringify(privateJwk)}\n`, { mode: 0o600 });
  }
  const kid = privateJwk.kid ?? (await calculateJwkThumbprint(privateJwk));
  const key = await importJWK(privateJwk, 'RS256');
  const { kty, n, e } = privateJwk;
  const publicJwk: JWK = { kty, n, e, alg: 'RS256', use: 'sig', kid };
  const publicKey = await importJWK(publicJwk, 'RS256');
  return {
    kid,
    publicJwk,
    sign: (payload) => new SignJWT(payload).setProtectedHeader({ kid, alg: 'RS256' }).sign(key),
    verify: async (token, issuer, now) => (await jwtVerify(token, publicKey, { algorithms: ['RS256'], issuer, currentDate: now })).payload,
  };
}
