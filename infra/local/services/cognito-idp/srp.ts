/**
 * The server half of Cognito's SRP-6a (USER_SRP_AUTH / PASSWORD_VERIFIER), as Cognito's clients
 * (Amplify, the AWS SDKs' helpers) compute the other half:
 * - the 3072-bit group of RFC 3526 with g = 2, and k = H(pad(N) | pad(g));
 * - x = H(pad(salt) | H(poolName | username | ":" | password)), v = g^x, where poolName is the part
 *   of the pool id after "_" and username is the internal one (USER_ID_FOR_SRP);
 * - u = H(pad(A) | pad(B)), S = (A · v^u)^b, and the 16-byte key HKDF-SHA256(ikm = pad(S),
 *   salt = pad(u), info = "Caldera Derived Key" 0x01);
 * - the claim: base64 HMAC-SHA256(key, poolName | username | SECRET_BLOCK bytes | TIMESTAMP).
 * "pad" is the hex of Java's BigInteger.toByteArray (even length, a 00 byte when the top bit is set),
 * and every H hashes the bytes of concatenated hex. Only v and the salt are ever stored.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const N = BigInt(
  '0x' +
    'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
    'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
    '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
    '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
    'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
    'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF',
);
export const g = 2n;

/** Hex of a non-negative integer as Java's BigInteger.toByteArray would give it. */
export function pad(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return /^[89a-f]/.test(hex) ? `00${hex}` : hex;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();
/** SHA-256 of the bytes a hex string spells, as hex. */
const hashHex = (hex: string) => sha256(Buffer.from(hex, 'hex')).toString('hex');
const big = (hex: string) => BigInt(`0x${hex}`);

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

export const k = big(hashHex(pad(N) + pad(g)));

/** The part of a pool id that Cognito's SRP mixes in: `us-east-1_AbC` → `AbC`. */
export const poolNameOf = (userPoolId: string) => userPoolId.split('_')[1] ?? '';

function passwordExponent(poolName: string, username: string, password: string, saltHex: string): bigint {
  const inner = sha256(`${poolName}${username}:${password}`).toString('hex');
  return big(hashHex(pad(big(saltHex)) + inner));
}

export interface Verifier {
  /** Hex, as sent in the challenge's SALT. */
  salt: string;
  /** Hex of v = g^x mod N. */
  verifier: string;
}

export function createVerifier(poolName: string, username: string, password: string): Verifier {
  const salt = randomBytes(16).toString('hex');
  return { salt, verifier: modPow(g, passwordExponent(poolName, username, password, salt), N).toString(16) };
}

/** True when `password` is the one `v` was made from (USER_PASSWORD_AUTH and admin sign-in check this way). */
export function passwordMatches(v: Verifier, poolName: string, username: string, password: string): boolean {
  const candidate = Buffer.from(pad(modPow(g, passwordExponent(poolName, username, password, v.salt), N)), 'hex');
  const stored = Buffer.from(pad(big(v.verifier)), 'hex');
  return candidate.length === stored.length && timingSafeEqual(candidate, stored);
}

/** SRP_A as a client sends it; undefined when it is not hex or is 0 mod N (which would make S known). */
export function parseClientPublic(srpA: string): bigint | undefined {
  if (!/^[0-9a-fA-F]{1,2048}$/.test(srpA)) return undefined;
  const A = big(srpA);
  return A % N === 0n ? undefined : A;
}

export interface ServerEphemeral {
  /** Secret; kept server-side with the challenge only. */
  b: bigint;
  B: bigint;
}

export function serverEphemeral(verifierHex: string): ServerEphemeral {
  const v = big(verifierHex);
  for (;;) {
    const b = big(randomBytes(64).toString('hex'));
    const B = (k * v + modPow(g, b, N)) % N;
    if (B !== 0n) return { b, B };
  }
}

/** The 16-byte key both sides derive; undefined in the (negligible) case u = 0, which SRP forbids. */
export function passwordAuthenticationKey(A: bigint, eph: ServerEphemeral, verifierHex: string): Buffer | undefined {
  const u = big(hashHex(pad(A) + pad(eph.B)));
  if (u === 0n) return undefined;
  const S = modPow((A * modPow(big(verifierHex), u, N)) % N, eph.b, N);
  const prk = createHmac('sha256', Buffer.from(pad(u), 'hex'))
    .update(Buffer.from(pad(S), 'hex'))
    .digest();
  return createHmac('sha256', prk)
    .update(Buffer.concat([Buffer.from('Caldera Derived Key', 'utf8'), Buffer.from([1])]))
    .digest()
    .subarray(0, 16);
}

/** The PASSWORD_CLAIM_SIGNATURE a client holding the password sends. */
export function claimSignature(key: Buffer, poolName: string, username: string, secretBlock: Buffer, timestamp: string): Buffer {
  return createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(poolName + username, 'utf8'), secretBlock, Buffer.from(timestamp, 'utf8')]))
    .digest();
}

export function signaturesEqual(expected: Buffer, claimedBase64: string): boolean {
  const claimed = Buffer.from(claimedBase64, 'base64');
  return claimed.length === expected.length && timingSafeEqual(claimed, expected);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TIMESTAMP = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]) UTC ([0-9]{4})$/;

/** Cognito's TIMESTAMP ("EEE MMM d HH:mm:ss UTC yyyy", day not zero-padded) for a time. */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** Epoch ms of a TIMESTAMP, or undefined when it is not in Cognito's format or names an impossible date. */
export function parseTimestamp(s: string): number | undefined {
  const m = TIMESTAMP.exec(s);
  if (!m) return undefined;
  const [, day, month, date, hh, mm, ss, year] = m;
  const ms = Date.UTC(Number(year), MONTHS.indexOf(month!), Number(date), Number(hh), Number(mm), Number(ss));
  return DAYS[new Date(ms).getUTCDay()] === day && new Date(ms).getUTCDate() === Number(date) ? ms : undefined;
}

/** The client half (the local helpers' own sign-in, and tests that must send what Amplify would not). */
export interface ClientEphemeral {
  a: bigint;
  A: bigint;
}

export function clientEphemeral(): ClientEphemeral {
  const a = big(randomBytes(128).toString('hex'));
  return { a, A: modPow(g, a, N) };
}

export function clientClaim(o: { a: ClientEphemeral; poolName: string; username: string; password: string; salt: string; srpB: string; secretBlock: string; timestamp: string }): string {
  const B = big(o.srpB);
  const u = big(hashHex(pad(o.a.A) + pad(B)));
  const x = passwordExponent(o.poolName, o.username, o.password, o.salt);
  let base = (B - ((k * modPow(g, x, N)) % N)) % N;
  if (base < 0n) base += N;
  const S = modPow(base, o.a.a + u * x, N);
  const prk = createHmac('sha256', Buffer.from(pad(u), 'hex'))
    .update(Buffer.from(pad(S), 'hex'))
    .digest();
  const key = createHmac('sha256', prk)
    .update(Buffer.concat([Buffer.from('Caldera Derived Key', 'utf8'), Buffer.from([1])]))
    .digest()
    .subarray(0, 16);
  return claimSignature(key, o.poolName, o.username, Buffer.from(o.secretBlock, 'base64'), o.timestamp).toString('base64');
}
