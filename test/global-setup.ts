import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCertificate } from '../infra/local/net/cert.ts';

/**
 * One local CA for the whole run, trusted by every test worker through NODE_EXTRA_CA_CERTS —
 * exactly how a user trusts the runtime's certificate — so the unmodified Amplify client can dial
 * wss:// with no shim.
 */
export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'craft-sync-tls-'));
  const cert = await ensureCertificate(dir);
  process.env.NODE_EXTRA_CA_CERTS = cert.caCertPath;
  process.env.CRAFT_SYNC_TEST_TLS_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
