/**
 * Headless Debian Chromium (/usr/bin/chromium, installed by .ci/run) driven by playwright-core:
 * no browser downloads are possible here, so Playwright never fetches its own. Playwright gives
 * every launch a new empty profile (user-data-dir) and deletes it on close.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CRAFT_SYNC_CHROMIUM ?? '/usr/bin/chromium';

// The machine's network is closed: without the background-networking flags Chromium keeps dialing
// Google's hosts at start and during the run.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchOptions {
  /** Trusts any certificate: only for dialing the runtime's wss:// signed by the throwaway test CA. */
  ignoreCertificateErrors?: boolean;
  /**
   * Trusts only certificates with these public keys (base64 SHA-256 of the DER SubjectPublicKeyInfo):
   * the runtime's own key, so wss:// works and any other certificate is still refused.
   */
  trustSpki?: string[];
}

export async function launchChromium(opts: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install -y chromium (see .ci/run)`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      ...ARGS,
      ...(opts.ignoreCertificateErrors ? ['--ignore-certificate-errors'] : []),
      ...(opts.trustSpki?.length ? [`--ignore-certificate-errors-spki-list=${opts.trustSpki.join(',')}`] : []),
    ],
  });
}
