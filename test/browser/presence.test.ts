/**
 * Presence in the browser app, headless Chromium against the real local runtime: two users in one
 * file see each other in the presence list and each other's caret (drawn over the textarea) move as
 * they type and select; a remote caret stays on the same text while the other user types before it;
 * a third joins; one signs out (gone at once: `leaving`) and one closes the page (gone by expiry,
 * within the client's 10 s).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFile, openFromList, share, SLOW, startApp, subOf, textOf, type AppStack } from './app-harness.ts';

let app: AppStack;

beforeAll(async () => {
  app = await startApp(['alice@example.com', 'bob@example.com', 'carol@example.com']);
});
afterAll(async () => {
  await app?.stop();
});

/** Who a page lists as present (user ids). */
const present = (page: Page) => page.locator('#presence li').evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.user!).sort());
/** Where `page` draws the caret of `user` (its offset in the page's text), or null. */
const caretOf = (page: Page, user: string) =>
  page.locator(`#carets .caret[data-user="${user}"]`).evaluateAll((els) => (els.length === 1 ? Number((els[0] as HTMLElement).dataset.offset) : els.length ? -els.length : null));
const selectedOf = (page: Page) => page.locator('#carets mark').evaluateAll((els) => els.map((e) => e.textContent).join(''));
const caretAt = async (page: Page, at: number) => {
  await page.locator('#content').click();
  await page.locator('#content').press('Control+Home');
  for (let i = 0; i < at; i++) await page.keyboard.press('ArrowRight');
};

let alice: Page;
let bob: Page;
let carol: Page;
let [a, b, c] = ['', '', ''];
let fileId: string;

describe('presence in the browser app', () => {
  it("two users see each other and each other's caret move; a remote caret stays on its text through the other's typing", async () => {
    alice = await app.signedIn('alice@example.com');
    bob = await app.signedIn('bob@example.com');
    [a, b] = [await subOf(alice), await subOf(bob)];
    fileId = await createFile(alice, 'presence.txt');
    await alice.locator('#content').click();
    await alice.keyboard.type('hello world');
    await share(alice, b, 'EDITOR');
    await expect.poll(() => present(alice), SLOW).toEqual([]);

    await openFromList(bob, fileId);
    await expect.poll(() => textOf(bob), SLOW).toBe('hello world');
    await expect.poll(() => present(alice), SLOW).toEqual([b]);
    await expect.poll(() => present(bob), SLOW).toEqual([a]);
    expect(await alice.locator('#presence li').textContent()).toBe('bob@example.com');

    // Bob's caret after "hello", then moving as he types.
    await caretAt(bob, 5);
    await expect.poll(() => caretOf(alice, b), SLOW).toBe(5);
    await bob.keyboard.type(',');
    await expect.poll(() => caretOf(alice, b), SLOW).toBe(6);
    await expect.poll(() => textOf(alice), SLOW).toBe('hello, world');

    // Alice types before Bob's caret: it stays after "hello," on her page at once and on his.
    await caretAt(alice, 0);
    await alice.keyboard.type('Oh ');
    expect(await caretOf(alice, b)).toBe(9);
    await expect.poll(() => textOf(bob), SLOW).toBe('Oh hello, world');
    await expect.poll(() => bob.locator('#content').evaluate((t) => (t as HTMLTextAreaElement).selectionStart), SLOW).toBe(9);
    await expect.poll(() => caretOf(bob, a), SLOW).toBe(3);
    expect(await caretOf(alice, b)).toBe(9);

    // A selection is drawn as such.
    await bob.keyboard.press('Shift+Control+End');
    await expect.poll(() => selectedOf(alice), SLOW).toBe(' world');
    expect(await caretOf(alice, b)).toBe(15);
  });

  it('a third joins and sees both; one signs out and one closes the page, and both disappear', async () => {
    carol = await app.signedIn('carol@example.com');
    c = await subOf(carol);
    await share(alice, c, 'VIEWER');
    // A third (a viewer) joins: everyone sees everyone else.
    await openFromList(carol, fileId);
    await expect.poll(() => present(alice), SLOW).toEqual([b, c].sort());
    await expect.poll(() => present(bob), SLOW).toEqual([a, c].sort());
    await expect.poll(() => present(carol), SLOW).toEqual([a, b].sort());

    // Carol signs out (her editor says it is leaving): gone from both pages.
    await carol.locator('#signout').click();
    await expect.poll(() => present(alice), SLOW).toEqual([b]);
    await expect.poll(() => present(bob), SLOW).toEqual([a]);
    // Bob's page closes without a word: gone once his heartbeat stops (expiry), caret too.
    await bob.context().close();
    await expect.poll(() => present(alice), { timeout: 20_000 }).toEqual([]);
    expect(await caretOf(alice, b)).toBeNull();
    for (const p of [alice, carol]) await p.context().close();
    expect(app.pageErrors()).toEqual([]);
  });
});
