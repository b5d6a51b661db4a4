import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

/**
 * The issuer's RS256 signing key, one per data directory.
 *
 * cognito-local signs with a key pair shipped inside its npm package, so anyone could mint tokens
 * it would accept. We keep the emulator's token contents and re-sign them with a key generated
 * for this data directory (kept beside the data, owner-only), and serve its public half as JWKS.
 */
export interface SigningKey {
  kid: string;
  /** The public JWK as served in `jwks.json`. */
  publicJwk: JWK;
  /** Re-signs a compact JWT's payload unchanged under this key (header: `kid`, `alg`). */
  resign(token: string): Promise<string>;
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
  return {
    kid,
    publicJwk,
    resign: (token) => new SignJWT(decodeJwt(token)).setProtectedHeader({ kid, alg: 'RS256' }).sign(key),
  };
}
