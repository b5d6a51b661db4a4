import { execFile } from 'node:child_process';
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AsnConvert } from '@peculiar/asn1-schema';
import { NameConstraints } from '@peculiar/asn1-x509';
import * as x509 from './x509.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { CA_DAYS, ensureCertificate, makeServerCertificate } from './cert.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'cert-test-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('ensureCertificate', () => {
  it('makes a CA and a loopback server certificate signed by it', async () => {
    const dir = tempDir();
    const c = await ensureCertificate(dir);
    const ca = new X509Certificate(c.ca);
    const leaf = new X509Certificate(c.cert);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkPrivateKey(createPrivateKey(c.key))).toBe(true);
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('::1')).toBe('::1');
    expect(readFileSync(c.caCertPath, 'utf8')).toBe(c.ca);
    expect(c.caCertPath).toBe(join(dir, 'ca.pem'));
  });

  it('reuses what it made', async () => {
    const dir = tempDir();
    const first = await ensureCertificate(dir);
    const second = await ensureCertificate(dir);
    expect(second).toEqual(first);
  });

  it('replaces a broken server certificate but keeps the trusted CA', async () => {
    const dir = tempDir();
    const first = await ensureCertificate(dir);
    writeFileSync(join(dir, 'server.pem'), 'garbage');
    const second = await ensureCertificate(dir);
    expect(second.ca).toBe(first.ca);
    expect(second.cert).not.toBe(first.cert);
    expect(new X509Certificate(second.cert).checkIssued(new X509Certificate(second.ca))).toBe(true);
  });

  it('replaces everything when the CA key is lost', async () => {
    const dir = tempDir();
    const first = await ensureCertificate(dir);
    rmSync(join(dir, 'ca-key.pem'));
    const second = await ensureCertificate(dir);
    expect(second.ca).not.toBe(first.ca);
    expect(new X509Certificate(second.cert).verify(new X509Certificate(second.ca).publicKey)).toBe(true);
  });

  it('gives concurrent callers on one directory the same, consistent files', async () => {
    const dir = tempDir();
    const all = await Promise.all([ensureCertificate(dir), ensureCertificate(dir), ensureCertificate(dir)]);
    for (const c of all) expect(c).toEqual(all[0]);
    expect(readFileSync(join(dir, 'server.pem'), 'utf8')).toBe(all[0]!.cert);
  });
});

/** The permitted subtrees of a certificate's name constraints, parsed from its DER by the ASN.1 schema. */
function permittedNames(pem: string): { critical: boolean; names: string[] } | undefined {
  const ext = new x509.X509Certificate(pem).getExtension('2.5.29.30');
  if (!ext) return undefined;
  const constraints = AsnConvert.parse(ext.value, NameConstraints);
  expect(constraints.excludedSubtrees).toBeUndefined();
  const names = [...(constraints.permittedSubtrees ?? [])].map(({ base }) => (base.dNSName !== undefined ? `DNS:${base.dNSName}` : `IP:${base.iPAddress}`));
  return { critical: ext.critical, names };
}

/** A CA as this project made them before: ten years, no name constraints. */
async function oldStyleCa(): Promise<{ keyPem: string; certPem: string }> {
  const crypto = webcrypto as unknown as Crypto;
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) };
  const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: 'CN=craft-sync local CA',
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 3650 * 86_400_000),
      keys,
      signingAlgorithm: alg,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
    },
    crypto,
  );
  const keyPem = x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { keyPem, certPem: cert.toString('pem') };
}

async function httpsServer(key: string, cert: string): Promise<{ server: Server; port: number }> {
  const server = createServer({ key, cert }, (_req, res) => res.end('hello over tls'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

const DAY = 86_400_000;

describe('the local CA', () => {
  it('is limited by critical name constraints to localhost, 127.0.0.1 and ::1', async () => {
    const c = await ensureCertificate(tempDir());
    expect(permittedNames(c.ca)).toEqual({
      critical: true,
      // An address with an all-ones mask: /32 and /128 permit exactly that one address.
      names: ['DNS:localhost', 'IP:127.0.0.1/32', 'IP:::1/128'],
    });
    // The leaf names exactly what the CA permits.
    expect(new X509Certificate(c.cert).subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  });

  it('is valid for six months, and its leaf for 90 days and never past the CA', async () => {
    const c = await ensureCertificate(tempDir());
    const ca = new X509Certificate(c.ca);
    const leaf = new X509Certificate(c.cert);
    const caDays = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / DAY;
    // One day of the window lies before now, for clock skew.
    expect(caDays).toBe(CA_DAYS + 1);
    expect(CA_DAYS).toBe(183);
    expect(Date.parse(ca.validFrom)).toBeLessThanOrEqual(Date.now());
    expect((Date.parse(leaf.validTo) - Date.now()) / DAY).toBeGreaterThan(89);
    expect(Date.parse(leaf.validTo)).toBeLessThanOrEqual(Date.parse(ca.validTo));
  });

  it('replaces an old unconstrained CA found in the directory, saying so and that it must be trusted again', async () => {
    const dir = tempDir();
    const old = await oldStyleCa();
    writeFileSync(join(dir, 'ca-key.pem'), old.keyPem);
    writeFileSync(join(dir, 'ca.pem'), old.certPem);
    writeFileSync(join(dir, 'server-key.pem'), 'left from before');
    const logs: string[] = [];
    const c = await ensureCertificate(dir, (l) => logs.push(l));
    expect(c.ca).not.toBe(old.certPem);
    expect(permittedNames(c.ca)?.critical).toBe(true);
    expect(new X509Certificate(c.cert).checkIssued(new X509Certificate(c.ca))).toBe(true);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain(`replacing the local CA ${join(dir, 'ca.pem')}: it was not limited by name constraints`);
    expect(logs[0]).toMatch(/remove it from your browser's or system's authorities and import the new .*ca\.pem/);
    // The new one is kept: no second replacement, no second log line.
    expect(await ensureCertificate(dir, (l) => logs.push(l))).toEqual(c);
    expect(logs).toHaveLength(1);
  });

  it('is trusted by Node through NODE_EXTRA_CA_CERTS for https://127.0.0.1 and https://localhost', async () => {
    const c = await ensureCertificate(tempDir());
    const { server, port } = await httpsServer(c.key, c.cert);
    try {
      // A fresh Node process: NODE_EXTRA_CA_CERTS is read at start-up only.
      const script = `
        const get = (u) => new Promise((ok, ko) => require('node:https').get(u, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => ok(r.statusCode + ' ' + b)); }).on('error', ko));
        Promise.all([get('https://127.0.0.1:${port}/'), get('https://localhost:${port}/')]).then((a) => console.log(JSON.stringify(a)), (e) => { console.log(e.code); process.exit(1); });`;
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env: { ...process.env, NODE_EXTRA_CA_CERTS: c.caCertPath } });
      expect(JSON.parse(stdout)).toEqual(['200 hello over tls', '200 hello over tls']);
    } finally {
      server.close();
    }
  });

  it('cannot vouch for other names: Node refuses a leaf it signed for a non-loopback name', async () => {
    const dir = tempDir();
    const c = await ensureCertificate(dir);
    const ca = { keyPem: readFileSync(join(dir, 'ca-key.pem'), 'utf8'), certPem: c.ca };
    // The leaf also names 127.0.0.1, so the host check passes: only the CA's constraints can refuse it.
    for (const hosts of [
      { dns: ['example.com'], ips: ['127.0.0.1'] },
      { dns: [], ips: ['127.0.0.1', '10.1.2.3'] },
    ]) {
      const leaf = await makeServerCertificate(ca, hosts);
      const { server, port } = await httpsServer(leaf.keyPem, leaf.certPem);
      try {
        const err = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
          request({ host: '127.0.0.1', port, ca: [c.ca] }, () => reject(new Error('the request was answered')))
            .on('error', resolve)
            .end();
        });
        // OpenSSL's X509_V_ERR_PERMITTED_VIOLATION, which Node has no code name for.
        expect({ code: err.code, message: err.message }).toEqual({ code: 'UNSPECIFIED', message: 'permitted subtree violation' });
      } finally {
        server.close();
      }
    }
    // The same CA's loopback leaf is accepted by the same client.
    const { server, port } = await httpsServer(c.key, c.cert);
    try {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        request({ host: '127.0.0.1', port, ca: [c.ca] }, (res) => resolve(res.resume().statusCode))
          .on('error', reject)
          .end();
      });
      expect(status).toBe(200);
    } finally {
      server.close();
    }
  });
});
