/**
 * The local TLS certificate: Amplify always dials `wss://`, so the runtime serves TLS on its port.
 * One self-signed certificate for 127.0.0.1, ::1 and localhost, made once per directory and kept;
 * Node clients trust it with NODE_EXTRA_CA_CERTS=<caCertPath>.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import selfsigned from 'selfsigned';

export interface LocalCertificate {
  key: string;
  cert: string;
  /** PEM file to trust (the certificate is its own CA). */
  caCertPath: string;
}

const DAYS = 825;

function stillValid(certPem: string): boolean {
  try {
    const x = new X509Certificate(certPem);
    return Date.parse(x.validTo) - Date.now() > 7 * 86_400_000 && (x.subjectAltName ?? '').includes('127.0.0.1');
  } catch {
    return false;
  }
}

export async function ensureCertificate(dir: string): Promise<LocalCertificate> {
  mkdirSync(dir, { recursive: true });
  const keyPath = join(dir, 'key.pem');
  const caCertPath = join(dir, 'ca.pem');
  if (existsSync(keyPath) && existsSync(caCertPath)) {
    const cert = readFileSync(caCertPath, 'utf8');
    if (stillValid(cert)) return { key: readFileSync(keyPath, 'utf8'), cert, caCertPath };
  }
  const pems = selfsigned.generate([{ name: 'commonName', value: 'craft-sync local runtime' }], {
    days: DAYS,
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  // Write beside and rename, so a concurrent reader never sees half a file.
  writeFileSync(`${keyPath}.tmp`, pems.private, { mode: 0o600 });
  writeFileSync(`${caCertPath}.tmp`, pems.cert);
  renameSync(`${keyPath}.tmp`, keyPath);
  renameSync(`${caCertPath}.tmp`, caCertPath);
  return { key: pems.private, cert: pems.cert, caCertPath };
}
