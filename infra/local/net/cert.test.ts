import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureCertificate } from './cert.ts';

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
