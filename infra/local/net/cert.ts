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
import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { hasNameConstraints, nameConstraintsExtension } from './name-constraints.ts';

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

function rsaKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  // node:crypto makes keys natively (node-forge in pure JS takes seconds); forge only signs.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function newCertificate(publicKeyPem: string, days: number, notAfterAtMost = Infinity): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f; // a positive serial number
  cert.serialNumber = serial.toString('hex');
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 86_400_000); // tolerate clock skew
  cert.validity.notAfter = new Date(Math.min(now + days * 86_400_000, notAfterAtMost));
  return cert;
}

function makeCa(): { keyPem: string; certPem: string } {
  const keys = rsaKeyPair();
  const cert = newCertificate(keys.publicKeyPem, CA_DAYS);
  const subject = [
    { name: 'commonName', value: 'craft-sync local CA' },
    { name: 'organizationName', value: 'craft-sync (local development only)' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    nameConstraintsExtension(HOSTS),
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKeyPem), forge.md.sha256.create());
  return { keyPem: keys.privateKeyPem, certPem: forge.pki.certificateToPem(cert) };
}

/** A server certificate signed by `ca`; tests issue ones for other names to see the constraints enforced. */
export function makeServerCertificate(ca: { keyPem: string; certPem: string }, hosts = HOSTS): { keyPem: string; certPem: string } {
  const keys = rsaKeyPair();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = newCertificate(keys.publicKeyPem, SERVER_DAYS, caCert.validity.notAfter.getTime());
  cert.setSubject([{ name: 'commonName', value: hosts.dns[0] ?? hosts.ips[0] ?? 'localhost' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...hosts.dns.map((value) => ({ type: 2, value })), ...hosts.ips.map((ip) => ({ type: 7, ip }))] },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { keyPem: keys.privateKeyPem, certPem: forge.pki.certificateToPem(cert) };
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
    if (!hasNameConstraints(certPem, HOSTS)) return 'not limited by name constraints to this machine\'s loopback names';
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
async function withLock<T>(dir: string, f: () => T): Promise<T> {
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
    return f();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Returns the directory's CA and server certificate, making (only) what is missing or stale. */
export async function ensureCertificate(dir: string, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<LocalCertificate> {
  mkdirSync(dir, { recursive: true });
  const path = (f: keyof typeof FILES) => join(dir, FILES[f]);
  return withLock(dir, () => {
    let ca = { keyPem: read(path('caKey')), certPem: read(path('ca')) };
    const problem = caProblem(ca.keyPem, ca.certPem);
    if (problem) {
      if (problem !== 'missing') {
        log(`replacing the local CA ${path('ca')}: it was ${problem}. If you trusted the old one, remove it from your browser's or system's authorities and import the new ${path('ca')} (limited to localhost, 127.0.0.1 and ::1, valid ${CA_DAYS} days)`);
      }
      ca = makeCa();
      writeAtomic(path('caKey'), ca.keyPem, 0o600);
      writeAtomic(path('ca'), ca.certPem, 0o644);
    }
    let server = { keyPem: read(path('key')), certPem: read(path('cert')) };
    if (!serverUsable(server.keyPem, server.certPem, ca.certPem)) {
      server = makeServerCertificate(ca);
      writeAtomic(path('key'), server.keyPem, 0o600);
      writeAtomic(path('cert'), server.certPem, 0o644);
    }
    return { key: server.keyPem, cert: server.certPem, ca: ca.certPem, caCertPath: path('ca') };
  });
}
