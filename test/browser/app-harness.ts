/**
 * What the browser-app tests share: the real local runtime serving the app (built into a throwaway
 * folder) with a few users, headless Chromium that trusts exactly the runtime's certificate key, and
 * pages signed in through the app's own form (each in its own browser profile unless given one).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { buildWebApp } from '../../client/web/build.ts';
import { api } from '../../infra/api.ts';
import { startRuntime, type Runtime } from '../../infra/local/runtime.ts';
import type { TokenLifetimes } from '../../infra/local/services/cognito-idp/tokens.ts';
import { launchChromium } from './chromium.ts';

export const PASSWORD = 'Passw0rd!browser';
/** Poll options: generous, as the machine is shared and slow at times; a poll ends as soon as it holds. */
export const SLOW = { timeout: 15_000 };

export interface AppStack {
  runtime: Runtime;
  browser: Browser;
  logs: string[];
  /** The app signed in as `email` in a new profile (or `context`). */
  signedIn(email: string, context?: BrowserContext): Promise<Page>;
  /** Page errors seen so far (none expected). */
  pageErrors(): string[];
  stop(): Promise<void>;
}

/** Base64 SHA-256 of the DER public key of the certificate the runtime's TLS port presents. */
async function servedSpki(port: number): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'localhost' });
  const cert = await new Promise<X509Certificate>((resolve, reject) => {
    socket.once('secureConnect', () => resolve(socket.getPeerX509Certificate()!));
    socket.once('error', reject);
  });
  socket.destroy();
  return createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
}

export async function startApp(users: string[], opts: { tokenLifetimes?: TokenLifetimes } = {}): Promise<AppStack> {
  const dir = mkdtempSync(join(tmpdir(), 'craft-sync-app-'));
  const logs: string[] = [];
  const webAppDir = await buildWebApp(join(dir, 'web'));
  const runtime = await startRuntime({
    api,
    dataDir: join(dir, 'data'),
    inMemory: true,
    port: 0,
    tlsDir: process.env.CRAFT_SYNC_TEST_TLS_DIR,
    webAppDir,
    tokenLifetimes: opts.tokenLifetimes,
    log: (l) => logs.push(l),
  });
  for (const email of users) await runtime.cognito!.createUser({ email, password: PASSWORD });
  const browser = await launchChromium({ trustSpki: [await servedSpki(runtime.port)] });
  return {
    runtime,
    browser,
    logs,
    async signedIn(email, context) {
      const page = await (context ?? (await browser.newContext())).newPage();
      page.on('pageerror', (e) => logs.push(`[page ${email}] ${e.message}`));
      // The app asks before deleting for everyone: the user says yes.
      page.on('dialog', (d) => void d.accept());
      await page.goto(runtime.webAppUrl!);
      await page.locator('#email').fill(email);
      await page.locator('#password').fill(PASSWORD);
      await page.locator('#signin button[type=submit]').click();
      await page.locator('#workspace').waitFor({ state: 'visible' });
      expect(await page.locator('#me-email').textContent()).toBe(email);
      return page;
    },
    pageErrors: () => logs.filter((l) => l.startsWith('[page')),
    async stop() {
      await browser.close();
      await runtime.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const subOf = async (page: Page) => (await page.locator('#me-sub').textContent())!;
export const textOf = (page: Page) => page.locator('#content').inputValue();
export const fileButton = (page: Page, fileId: string) => page.locator(`#files button[data-id="${fileId}"]`);

/** Creates a text file from the page; returns its id (the editor is open on it). */
export async function createFile(page: Page, name: string): Promise<string> {
  await page.locator('#new-name').fill(name);
  await page.locator('#create button[type=submit]').click();
  await expect.poll(() => page.locator('#file-name').textContent(), SLOW).toBe(name);
  return (await page.locator('#files button[aria-current="true"]').getAttribute('data-id'))!;
}

/** Opens a file from the list, which must show it (the list follows changes by itself), and waits until live. */
export async function openFromList(page: Page, fileId: string): Promise<void> {
  await fileButton(page, fileId).click({ timeout: 20_000 });
  await page.locator('#editor').waitFor({ state: 'visible' });
  await expect.poll(() => page.locator('#connection').textContent(), { timeout: 20_000 }).toBe('live');
}

export async function share(owner: Page, userId: string, role: 'EDITOR' | 'VIEWER'): Promise<void> {
  await owner.locator('#share-user').fill(userId);
  await owner.locator('#share-role').selectOption(role);
  await owner.locator('#share button[type=submit]').click();
  await expect.poll(() => owner.locator('#message').textContent(), SLOW).toBe(`shared with ${userId} as ${role.toLowerCase()}`);
}
