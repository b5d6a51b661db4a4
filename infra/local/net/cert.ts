/**
 * The local TLS certificates. Amplify always dials `wss://`, so the runtime serves TLS on its port.
 * A local CA (kept, so a user trusts it once) signs a server certificate for localhost, 127.0.0.1
 * and ::1. Both are made once per directory and reused while valid; Node clients trust the CA with
 * NODE_EXTRA_CA_CERTS=<caCertPath>, tests pass its PEM as `ca`.
 *
 * Users are asked to trust the CA as a root, so it is fenced: critical name constraints permit only
 * those loopback names (see name-constraints.ts), and it lives six months — a forgotten trusted root
 * expires on its own, and re-importing it twice a year is the cost. A CA made before (unconstrained,
 * or valid longer) is replaced, and the log says the user must trust the new one.
 */
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from './x509.ts';
import { hasNameConstraints, nameConstraintsExtension } from './name-constraints.ts';
import { RUNTIME_NAME } from '../names.ts';

export interface LocalCertificate {
  /** The server certificate's private key (PEM). */
  key: string;
  /** The server certificate (PEM). */
  cert: string;
  /** The CA certificate (PEM) to trust. */
  ca: string;
  /** Path of the CA certificate file. */
  caCertPath: string;
}

/** Six months. */
export const CA_DAYS = 183;
/** The leaf is re-issued silently (the CA stays trusted), so it can be shorter; never past the CA's end. */
const SERVER_DAYS = 90;
/** Renew a certificate this close to expiry. */
const RENEW_BEFORE_MS = 30 * 86_400_000;
/** What the leaf certifies, and all the CA may certify. */
export const HOSTS = { dns: ['localhost'], ips: ['127.0.0.1', '::1'] };

const FILES = { caKey: 'ca-key.pem', ca: 'ca.pem', key: 'server-key.pem', cert: 'server.pem' };

// Node's own Web Crypto: keys are made and certificates signed natively.
const crypto = webcrypto as unknown as Crypto;
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

async function rsaKeyPair(): Promise<{ keys: CryptoKeyPair; privateKeyPem: string }> {
  const keys = (await crypto.subtle.generateKey({ ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { keys, privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

const signingKey = (keyPem: string) => crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(keyPem), RSA, false, ['sign']);

function validity(days: number, notAfterAtMost = Infinity): { serialNumber: string; notBefore: Date; notAfter: Date } {
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f; // a positive serial number
  const now = Date.now();
  return {
    serialNumber: serial.toString('hex'),
    notBefore: new Date(now - 86_400_000), // tolerate clock skew
    notAfter: new Date(Math.min(now + days * 86_400_000, notAfterAtMost)),
  };
}

const CA_NAME = `CN=${RUNTIME_NAME} CA, O=local development only`;

async function makeCa(): Promise<{ keyPem: string; certPem: string }> {
  const { keys, privateKeyPem } = await rsaKeyPair();
  const cert = await x509.X509CertificateGenerator.create(
    {
      ...validity(CA_DAYS),
      subject: CA_NAME,
      issuer: CA_NAME,
      publicKey: keys.publicKey,
      signingKey: keys.privateKey,
      signingAlgorithm: RSA,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        nameConstraintsExtension(HOSTS),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { keyPem: privateKeyPem, certPem: cert.toString('pem') };
}

/** A server certificate signed by `ca`; tests issue ones for other names to see the constraints enforced. */
export async function makeServerCertificate(ca: { keyPem: string; certPem: string }, hosts = HOSTS): Promise<{ keyPem: string; certPem: string }> {
  const { keys, privateKeyPem } = await rsaKeyPair();
  const caCert = new x509.X509Certificate(ca.certPem);
  const cert = await x509.X509CertificateGenerator.create(
    {
      ...validity(SERVER_DAYS, caCert.notAfter.getTime()),
      subject: `CN=${hosts.dns[0] ?? hosts.ips[0] ?? 'localhost'}`,
      issuer: caCert.subject,
      publicKey: keys.publicKey,
      signingKey: await signingKey(ca.keyPem),
      signingAlgorithm: RSA,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([...hosts.dns.map((value) => ({ type: 'dns' as const, value })), ...hosts.ips.map((value) => ({ type: 'ip' as const, value }))]),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { keyPem: privateKeyPem, certPem: cert.toString('pem') };
}

function fresh(x: X509Certificate): boolean {
  return Date.parse(x.validTo) - Date.now() > RENEW_BEFORE_MS && Date.parse(x.validFrom) <= Date.now();
}

/** A usable CA: a CA certificate, not near expiry, whose key matches; else why not. */
function caProblem(keyPem: string, certPem: string): string | undefined {
  if (!certPem) return 'missing';
  if (!keyPem) return 'without its private key';
  try {
    const x = new X509Certificate(certPem);
    if (!x.ca || !x.checkPrivateKey(createPrivateKey(keyPem))) return 'unusable (not a CA, or its key is missing or does not match)';
    if (!hasNameConstraints(certPem, HOSTS)) return "not limited by name constraints to this machine's loopback names";
    const days = Math.round((Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000);
    if (days > CA_DAYS + 1) return `valid for ${days} days (now at most ${CA_DAYS})`;
    if (!fresh(x)) return 'expired or about to expire';
    return undefined;
  } catch {
    return 'unreadable';
  }
}

/** A usable server certificate: signed by this CA, for every local host name, key matching. */
function serverUsable(keyPem: string, certPem: string, caPem: string): boolean {
  try {
    const x = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    return (
      !x.ca &&
      fresh(x) &&
      x.checkIssued(ca) &&
      x.verify(ca.publicKey) &&
      x.checkPrivateKey(createPrivateKey(keyPem)) &&
      HOSTS.dns.every((h) => x.checkHost(h) !== undefined) &&
      HOSTS.ips.every((ip) => x.checkIP(ip) !== undefined)
    );
  } catch {
    return false;
  }
}

const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');

/** Writes beside and renames, so a reader never sees half a file. */
function writeAtomic(path: string, text: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}

/** A lock directory, so two runtimes starting on one data dir do not mix their files. */
async function withLock<T>(dir: string, f: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.cert-lock');
  for (let attempt = 0; ; attempt += 1) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      let stale = false;
      try {
        stale = Date.now() - statSync(lock).mtimeMs > 30_000;
      } catch {
        // it vanished: try again at once
      }
      if (stale || attempt > 200) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await f();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Returns the directory's CA and server certificate, making (only) what is missing or stale. */
export async function ensureCertificate(dir: string, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<LocalCertificate> {
  mkdirSync(dir, { recursive: true });
  const path = (f: keyof typeof FILES) => join(dir, FILES[f]);
  return withLock(dir, async () => {
    let ca = { keyPem: read(path('caKey')), certPem: read(path('ca')) };
    const problem = caProblem(ca.keyPem, ca.certPem);
    if (problem) {
      if (problem !== 'missing') {
        log(
          `replacing the local CA ${path('ca')}: it was ${problem}. If you trusted the old one, remove it from your browser's or system's authorities and import the new ${path('ca')} (limited to localhost, 127.0.0.1 and ::1, valid ${CA_DAYS} days)`,
        );
      }
      ca = await makeCa();
      writeAtomic(path('caKey'), ca.keyPem, 0o600);
      writeAtomic(path('ca'), ca.certPem, 0o644);
    }
    let server = { keyPem: read(path('key')), certPem: read(path('cert')) };
    if (!serverUsable(server.keyPem, server.certPem, ca.certPem)) {
      server = await makeServerCertificate(ca);
      writeAtomic(path('key'), server.keyPem, 0o600);
      writeAtomic(path('cert'), server.certPem, 0o644);
    }
    return { key: server.keyPem, cert: server.certPem, ca: ca.certPem, caCertPath: path('ca') };
  });
}
