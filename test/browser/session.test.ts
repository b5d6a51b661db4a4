/**
 * Staying signed in to the browser app, headless Chromium against the real local runtime: Amplify keeps
 * its tokens in localStorage, so a reload finds the user signed in; once the access token has expired
 * (the issuer here hands out 10-second access and id tokens), a reload still does, with new tokens that
 * Amplify got with the refresh token, and the API answers them. Sign-out removes every token, and a
 * reload then asks to sign in.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFile, fileButton, SLOW, startApp, subOf, type AppStack } from './app-harness.ts';

const LIFETIME_S = 10;
let app: AppStack;

beforeAll(async () => {
  app = await startApp(['alice@example.com'], { tokenLifetimes: { accessSeconds: LIFETIME_S, idSeconds: LIFETIME_S } });
});
afterAll(async () => {
  await app?.stop();
});

const authItems = (page: Page) => page.evaluate(() => Object.fromEntries(Object.entries(localStorage).filter(([k]) => k.startsWith('craft-sync:auth:'))));
const tokenOf = async (page: Page, kind: 'accessToken' | 'refreshToken') => Object.entries(await authItems(page)).find(([k]) => k.endsWith(`.${kind}`))?.[1];
const expiry = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;

describe('staying signed in to the browser app', () => {
  it('a reload keeps the session, also after the access token expired (Amplify refreshes it); sign-out ends it for good', async () => {
    const page = await app.signedIn('alice@example.com');
    const sub = await subOf(page);
    const first = await tokenOf(page, 'accessToken');
    expect(first).toBeDefined();
    expect(await tokenOf(page, 'refreshToken')).toBeDefined();

    await page.reload();
    await page.locator('#workspace').waitFor({ state: 'visible' });
    expect(await page.locator('#signin').isHidden()).toBe(true);
    expect(await page.locator('#me-email').textContent()).toBe('alice@example.com');
    expect(await subOf(page)).toBe(sub);

    // Past the access token's expiry (by the issuer's own clock, which is this machine's).
    await page.waitForTimeout(Math.max(0, (expiry(first!) + 1) * 1000 - Date.now()));
    await page.reload();
    await page.locator('#workspace').waitFor({ state: 'visible' });
    expect(await subOf(page)).toBe(sub);
    const refreshed = await tokenOf(page, 'accessToken');
    expect(refreshed).not.toBe(first);
    expect(expiry(refreshed!)).toBeGreaterThan(expiry(first!));
    // The refreshed token is accepted: a file created now is listed.
    const fileId = await createFile(page, 'after-refresh.txt');
    await expect.poll(() => fileButton(page, fileId).count(), SLOW).toBe(1);

    await page.locator('#signout').click();
    await page.locator('#signin').waitFor({ state: 'visible' });
    expect(await page.locator('#workspace').isHidden()).toBe(true);
    expect(await authItems(page)).toEqual({});
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes(':file:')))).toEqual([]);
    await page.reload();
    await page.locator('#signin').waitFor({ state: 'visible' });
    expect(await page.locator('#workspace').isHidden()).toBe(true);
    expect(app.pageErrors()).toEqual([]);
  });
});
