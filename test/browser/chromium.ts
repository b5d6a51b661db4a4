/**
 * Headless Chromium driven by playwright-core, which never fetches a browser of its own. Which one:
 * - `$CRAFT_SYNC_CHROMIUM`: a path to a Chromium binary, or `bundled` for the npm-shipped one;
 * - otherwise Debian's /usr/bin/chromium when it is installed;
 * - otherwise the Chromium inside the `@sparticuz/chromium` devDependency (bundled-chromium.ts),
 *   so `npm ci && npm test` needs no system browser.
 * Playwright gives every launch a new empty profile (user-data-dir) and deletes it on close.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { bundledChromium } from './bundled-chromium.ts';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The binary to launch and the environment it needs (the bundled one brings its own libraries). */
export function chromiumExecutable(bundled = false): { executablePath: string; env?: Record<string, string>; source: string } {
  const chosen = bundled ? 'bundled' : process.env.CRAFT_SYNC_CHROMIUM;
  if (chosen && chosen !== 'bundled') {
    if (!existsSync(chosen)) throw new Error(`CRAFT_SYNC_CHROMIUM=${chosen} does not exist: unset it to use ${DEBIAN_CHROMIUM} or the npm-shipped Chromium`);
    return { executablePath: chosen, source: chosen };
  }
  if (!chosen && isExecutable(DEBIAN_CHROMIUM)) return { executablePath: DEBIAN_CHROMIUM, source: DEBIAN_CHROMIUM };
  return { ...bundledChromium(), source: 'bundled' };
}

// The machine's network is closed: without the background-networking flags Chromium keeps dialing
// Google's hosts at start and during the run.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface LaunchOptions {
  /** Trusts any certificate: only for dialing the runtime's wss:// signed by the throwaway test CA. */
  ignoreCertificateErrors?: boolean;
  /**
   * Trusts only certificates with these public keys (base64 SHA-256 of the DER SubjectPublicKeyInfo):
   * the runtime's own key, so wss:// works and any other certificate is still refused.
   */
  trustSpki?: string[];
  /** The npm-shipped Chromium even where Debian's is installed (so that path is tested everywhere). */
  bundled?: boolean;
}

export async function launchChromium(opts: LaunchOptions = {}): Promise<Browser> {
  const { executablePath, env } = chromiumExecutable(opts.bundled);
  return chromium.launch({
    executablePath,
    ...(env ? { env: { ...process.env, ...env } } : {}),
    headless: true,
    args: [...ARGS, ...(opts.ignoreCertificateErrors ? ['--ignore-certificate-errors'] : []), ...(opts.trustSpki?.length ? [`--ignore-certificate-errors-spki-list=${opts.trustSpki.join(',')}`] : [])],
  });
}
