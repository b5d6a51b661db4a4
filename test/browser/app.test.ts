/**
 * The browser app (client/web) in headless Chromium against the real local runtime, which serves it
 * at /app/ with its Amplify config. Three users in three browser profiles sign in through the page
 * with SRP, Amplify's default (the app client allows no other password flow here); the owner creates a text file and shares it from
 * the page. Owner and editor type into the same textarea at the same time — edits go out as patches,
 * remote changes are merged in while typing — and both textareas end with exactly both users' text
 * where each typed it, as the server holds it. A viewer's textarea is read-only: typing changes nothing. Opened over https:// (how a user accepts the certificate), the
 * app gets an https:// GraphQL endpoint and follows changes live.
 *
 * TLS: the page dials the runtime's wss:// with a certificate from the run's throwaway CA; Chromium
 * trusts exactly that certificate's public key (--ignore-certificate-errors-spki-list), nothing else.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebApp } from '../../client/web/build.ts';
import { api } from '../../infra/api.ts';
import { startRuntime, type Runtime } from '../../infra/local/runtime.ts';
import { GET, user } from '../e2e/sync-client.ts';
import { launchChromium } from './chromium.ts';

const PASSWORD = 'Passw0rd!browser';

let dir: string;
let runtime: Runtime;
let browser: Browser;
const logs: string[] = [];

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

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'craft-sync-app-'));
  const webAppDir = await buildWebApp(join(dir, 'web'));
  runtime = await startRuntime({ api, dataDir: join(dir, 'data'), inMemory: true, port: 0, tlsDir: process.env.CRAFT_SYNC_TEST_TLS_DIR, webAppDir, log: (l) => logs.push(l) });
  for (const email of ['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com', 'erin@example.com']) await runtime.cognito!.createUser({ email, password: PASSWORD });
  // SRP only: a page that signs in at all signed in with SRP, across origins (the issuer's CORS).
  await runtime.cognito!.call('UpdateUserPoolClient', {
    UserPoolId: runtime.cognito!.userPoolId,
    ClientId: runtime.cognito!.clientId,
    ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  });
  browser = await launchChromium({ trustSpki: [await servedSpki(runtime.port)] });
});
afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A new browser profile (its own storage) with the app open and signed in. */
async function signedIn(email: string, url = runtime.webAppUrl!): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (e) => logs.push(`[page ${email}] ${e.message}`));
  await page.goto(url);
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(PASSWORD);
  await page.locator('#signin button[type=submit]').click();
  await page.locator('#workspace').waitFor({ state: 'visible' });
  expect(await page.locator('#me-email').textContent()).toBe(email);
  return page;
}

const sub = async (page: Page) => (await page.locator('#me-sub').textContent())!;
const text = (page: Page) => page.locator('#content').inputValue();

async function openFromList(page: Page, fileId: string): Promise<void> {
  await page.locator('#refresh').click();
  await page.locator(`#files button[data-id="${fileId}"]`).click();
  await page.locator('#editor').waitFor({ state: 'visible' });
  await expect.poll(() => page.locator('#connection').textContent()).toBe('live');
}

async function share(owner: Page, userId: string, role: 'EDITOR' | 'VIEWER'): Promise<void> {
  await owner.locator('#share-user').fill(userId);
  await owner.locator('#share-role').selectOption(role);
  await owner.locator('#share button[type=submit]').click();
  await expect.poll(() => owner.locator('#message').textContent()).toBe(`shared with ${userId} as ${role.toLowerCase()}`);
}

/** What the server holds, read outside the browser with alice's token. */
async function serverFile(fileId: string): Promise<{ content: string; version: number }> {
  const alice = user(runtime.graphqlUrl, (await runtime.cognito!.signIn('alice@example.com', PASSWORD)).accessToken);
  const res = await alice.call(GET, { id: fileId });
  expect(res.errors).toBeUndefined();
  return res.data!.getFile as { content: string; version: number };
}

let alice: Page;
let bob: Page;
let fileId: string;

describe('the browser app in headless Chromium', () => {
  it('is served by the runtime: / leads to the app; a wrong password is refused, the right one signs in; a text file is created', async () => {
    const root = await fetch(new URL('/', runtime.webAppUrl!), { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/app/');
    const config = (await (await fetch(new URL('config.json', runtime.webAppUrl!))).json()) as unknown;
    expect(config).toEqual(runtime.amplifyConfig);

    // A wrong password: the issuer's refusal, shown as the SDK's typed error; still signed out.
    const refused = await (await browser.newContext()).newPage();
    await refused.goto(runtime.webAppUrl!);
    await refused.locator('#email').fill('alice@example.com');
    await refused.locator('#password').fill('not-the-password');
    await refused.locator('#signin button[type=submit]').click();
    await expect.poll(() => refused.locator('#signin-error').textContent()).toMatch(/^Unauthorized: sign-in refused/);
    expect(await refused.locator('#workspace').isHidden()).toBe(true);
    await refused.context().close();

    alice = await signedIn('alice@example.com');
    await alice.locator('#new-name').fill('shared.txt');
    await alice.locator('#create button[type=submit]').click();
    await alice.locator('#editor').waitFor({ state: 'visible' });
    expect(await alice.locator('#file-name').textContent()).toBe('shared.txt');
    fileId = (await alice.locator('#files button[aria-current="true"]').getAttribute('data-id'))!;
    expect(fileId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await alice.locator('#version').textContent()).toBe('1');
    expect(await alice.locator('#author').textContent()).toBe('you');
    expect(await serverFile(fileId)).toMatchObject({ content: '', version: 1 });
  });

  it('owner and editor type at once; both textareas converge on both edits, as the server holds them', async () => {
    bob = await signedIn('bob@example.com');
    await share(alice, await sub(bob), 'EDITOR');
    await expect.poll(() => alice.locator('#connection').textContent()).toBe('live');

    // A first line from alice, seen live by bob.
    await alice.locator('#content').click();
    await alice.keyboard.type('middle line\n');
    await openFromList(bob, fileId);
    await expect.poll(() => text(bob)).toBe('middle line\n');
    expect(await bob.locator('#file-name').textContent()).toBe('shared.txt');

    // Alice types at the start, bob at the end, at the same time, with pauses longer than the
    // app's hand-over delay: patches cross and each textarea merges the other's text while its
    // user is typing. A caret that moved wrongly would put characters in the wrong places.
    const aliceText = 'Alice writes at the top. ';
    const bobText = 'Bob adds at the end.';
    await alice.locator('#content').press('Control+Home');
    await bob.locator('#content').click();
    await bob.locator('#content').press('Control+End');
    const typeInChunks = async (page: Page, s: string) => {
      for (const chunk of s.match(/.{1,5}/g)!) {
        await page.keyboard.type(chunk, { delay: 15 });
        await page.waitForTimeout(250);
      }
    };
    await Promise.all([typeInChunks(alice, aliceText), typeInChunks(bob, bobText)]);

    const expected = `${aliceText}middle line\n${bobText}`;
    await expect.poll(() => text(alice), { timeout: 20_000 }).toBe(expected);
    await expect.poll(() => text(bob), { timeout: 20_000 }).toBe(expected);
    for (const page of [alice, bob]) await expect.poll(() => page.locator('#sync-state').getAttribute('data-state')).toBe('saved');

    const server = await serverFile(fileId);
    expect(server.content).toBe(expected);
    // Each hand-over was one patch: many versions, and both pages show the server's.
    expect(server.version).toBeGreaterThan(3);
    for (const page of [alice, bob]) await expect.poll(() => page.locator('#version').textContent()).toBe(String(server.version));
    expect(await alice.locator('#message').textContent()).toBe(`shared with ${await sub(bob)} as editor`);
    expect(await bob.locator('#message').textContent()).toBe('');
    expect(logs.filter((l) => l.startsWith('[page'))).toEqual([]);
  });

  it('four pages type at once into one file, each at its own place; all four converge on every edit, as the server holds them', async () => {
    await alice.locator('#new-name').fill('four.txt');
    await alice.locator('#create button[type=submit]').click();
    await expect.poll(() => alice.locator('#file-name').textContent()).toBe('four.txt');
    const four = (await alice.locator('#files button[aria-current="true"]').getAttribute('data-id'))!;
    await alice.locator('#content').click();
    await alice.keyboard.type('one\ntwo\nthree\n');
    await expect.poll(async () => (await serverFile(four)).content).toBe('one\ntwo\nthree\n');
    const dave = await signedIn('dave@example.com');
    const erin = await signedIn('erin@example.com');
    for (const p of [bob, dave, erin]) await share(alice, await sub(p), 'EDITOR');
    for (const p of [bob, dave, erin]) await openFromList(p, four);
    await expect.poll(() => alice.locator('#connection').textContent()).toBe('live');

    // Carets: alice at the start, dave after "one", erin after "two", bob at the end.
    const caret = (p: Page, at: number) => p.locator('#content').evaluate((el, n) => (el as HTMLTextAreaElement).setSelectionRange(n, n), at);
    const typists: Array<[Page, number, string]> = [
      [alice, 0, 'Alice first. '],
      [dave, 3, ' (dave)'],
      [erin, 7, ' (erin)'],
      [bob, 14, 'bob last.'],
    ];
    for (const [p, at] of typists) {
      await p.locator('#content').click();
      await caret(p, at);
    }
    const typeInChunks = async (page: Page, s: string) => {
      for (const chunk of s.match(/.{1,4}/g)!) {
        await page.keyboard.type(chunk, { delay: 10 });
        await page.waitForTimeout(180);
      }
    };
    await Promise.all(typists.map(([p, , t]) => typeInChunks(p, t)));

    const expected = 'Alice first. one (dave)\ntwo (erin)\nthree\nbob last.';
    for (const [p] of typists) await expect.poll(() => text(p), { timeout: 30_000 }).toBe(expected);
    for (const [p] of typists) await expect.poll(() => p.locator('#sync-state').getAttribute('data-state')).toBe('saved');
    const server = await serverFile(four);
    expect(server.content).toBe(expected);
    for (const [p] of typists) await expect.poll(() => p.locator('#version').textContent()).toBe(String(server.version));
    for (const p of [dave, erin]) await p.context().close();
    // Back to the first file for the tests below.
    await openFromList(alice, fileId);
    await openFromList(bob, fileId);
    expect(logs.filter((l) => l.startsWith('[page'))).toEqual([]);
  });

  it('a viewer gets a read-only textarea: typing changes nothing, nothing is sent, the owner sees nothing change', async () => {
    const carol = await signedIn('carol@example.com');
    await share(alice, await sub(carol), 'VIEWER');
    await openFromList(carol, fileId);
    const before = await serverFile(fileId);
    expect(await text(carol)).toBe(before.content);
    expect(await carol.locator('#content').getAttribute('readonly')).not.toBeNull();

    await carol.locator('#content').click();
    await carol.locator('#content').press('Control+End');
    await carol.keyboard.type(' carol was here');
    expect(await text(carol)).toBe(before.content);
    expect(await carol.locator('#sync-state').getAttribute('data-state')).toBe('saved');
    expect(await serverFile(fileId)).toEqual(before);
    // The owner's page saw nothing change.
    expect(await text(alice)).toBe(before.content);
  });

  it('opened over https:// (what a user does to accept the certificate), the app talks https and wss and follows live changes', async () => {
    const url = runtime.webAppUrl!.replace('http://', 'https://');
    const config = (await signedInConfig(url)) as { API: { GraphQL: { endpoint: string } } };
    expect(config.API.GraphQL.endpoint).toBe(runtime.graphqlUrl.replace('http://', 'https://'));

    const secure = await signedIn('alice@example.com', url);
    expect(new URL(secure.url()).protocol).toBe('https:');
    await openFromList(secure, fileId);
    const before = await text(secure);
    await bob.locator('#content').click();
    await bob.locator('#content').press('Control+End');
    await bob.keyboard.type(' (over https)');
    await expect.poll(() => text(secure)).toBe(`${before} (over https)`);
    await expect.poll(async () => (await serverFile(fileId)).content).toBe(`${before} (over https)`);
    expect(await secure.locator('#author').textContent()).toBe(await sub(bob));
  });
});

/** The config.json a page loaded from `url` gets (fetched by the page itself). */
async function signedInConfig(url: string): Promise<unknown> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(url);
  const config = await page.evaluate(async () => (await fetch('config.json')).json() as Promise<unknown>);
  await page.context().close();
  return config;
}
