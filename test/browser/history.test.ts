/**
 * The browser app's history panel in headless Chromium against the real local runtime: every version
 * with its author and time, the text of any version, and restoring one, which commits a new version
 * (the versions in between stay listed) that the other editor's page follows live.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET, user } from '../e2e/sync-client.ts';
import { createFile, openFromList, PASSWORD, share, SLOW, startApp, subOf, textOf, type AppStack } from './app-harness.ts';

let app: AppStack;

beforeAll(async () => {
  app = await startApp(['alice@example.com', 'bob@example.com']);
});
afterAll(async () => {
  await app?.stop();
});

/** Types at the end and waits until the edit is committed; returns the version it made. */
async function typeSaved(page: Page, s: string): Promise<number> {
  const before = Number(await page.locator('#version').textContent());
  await page.locator('#content').click();
  await page.locator('#content').press('Control+End');
  await page.keyboard.type(s);
  await page.locator('#content').blur();
  await expect.poll(async () => Number(await page.locator('#version').textContent()), SLOW).toBeGreaterThan(before);
  await expect.poll(() => page.locator('#sync-state').getAttribute('data-state'), SLOW).toBe('saved');
  return Number(await page.locator('#version').textContent());
}

const listed = (page: Page) =>
  page.locator('#history-list li').evaluateAll((lis) => lis.map((li) => ({ version: Number((li as HTMLElement).dataset.version), author: (li as HTMLElement).dataset.author, text: li.textContent })));

describe('the browser app history', () => {
  it('lists every version with author and time, shows any version, and restoring one makes a new version', async () => {
    const alice = await app.signedIn('alice@example.com');
    const bob = await app.signedIn('bob@example.com');
    const [aliceSub, bobSub] = [await subOf(alice), await subOf(bob)];
    const fileId = await createFile(alice, 'history.txt');
    await share(alice, bobSub, 'EDITOR');
    const v1 = await typeSaved(alice, 'first draft');
    await openFromList(bob, fileId);
    await expect.poll(() => textOf(bob), SLOW).toBe('first draft');
    const v2 = await typeSaved(bob, ', second thoughts');
    await expect.poll(() => textOf(alice), SLOW).toBe('first draft, second thoughts');
    const head = await typeSaved(alice, ', final');
    expect(v2).toBeGreaterThan(v1);
    expect(head).toBeGreaterThan(v2);

    await alice.locator('#history summary').click();
    // Newest first, every version from the insert, each with its author and a time.
    await expect.poll(async () => (await listed(alice)).map((l) => l.version), SLOW).toEqual(Array.from({ length: head }, (_, i) => head - i));
    const rows = await listed(alice);
    expect(rows.at(-1)).toMatchObject({ version: 1, author: aliceSub });
    expect(rows.at(-1)!.text).toMatch(/^v1insert by you, /);
    expect(rows.find((r) => r.version === v2)).toMatchObject({ author: bobSub });
    expect(rows.find((r) => r.version === v2)!.text).toContain(`modify by ${bobSub}, `);
    expect(rows.find((r) => r.version === head)!.text).toMatch(/^v\d+modify by you, .*\d/);

    await alice.locator(`#history-list li[data-version="${v1}"] button.view`).click();
    await expect.poll(() => alice.locator('#history-view').textContent(), SLOW).toBe('first draft');
    expect(await alice.locator('#history-version').textContent()).toBe(String(v1));
    await alice.locator('#history-list li[data-version="1"] button.view').click();
    await expect.poll(() => alice.locator('#history-version').textContent(), SLOW).toBe('1');
    expect(await alice.locator('#history-view').textContent()).toBe('');

    await alice.locator(`#history-list li[data-version="${v1}"] button.view`).click();
    await expect.poll(() => alice.locator('#history-version').textContent(), SLOW).toBe(String(v1));
    await alice.locator('#restore').click();
    await expect.poll(() => alice.locator('#message').textContent(), SLOW).toBe(`restored version ${v1} as version ${head + 1}`);
    for (const p of [alice, bob]) await expect.poll(() => textOf(p), SLOW).toBe('first draft');
    for (const p of [alice, bob]) await expect.poll(() => p.locator('#version').textContent(), SLOW).toBe(String(head + 1));
    // A new version on top: nothing in between was rewritten.
    await expect.poll(async () => (await listed(alice)).map((l) => l.version), SLOW).toEqual(Array.from({ length: head + 1 }, (_, i) => head + 1 - i));
    const server = user(app.runtime.graphqlUrl, (await app.runtime.cognito!.signIn('alice@example.com', PASSWORD)).accessToken);
    expect((await server.call(GET, { id: fileId })).data!.getFile).toMatchObject({ content: 'first draft', version: head + 1 });
    // Bob (an editor) may restore too; his page lists the restore by alice.
    await bob.locator('#history summary').click();
    await expect.poll(async () => (await listed(bob))[0], SLOW).toMatchObject({ version: head + 1, author: aliceSub });
    await bob.locator('#history-list li[data-version="1"] button.view').click();
    await bob.locator('#history-selected').waitFor({ state: 'visible' });
    expect(await bob.locator('#restore').isVisible()).toBe(true);
    expect(app.pageErrors()).toEqual([]);
  });
});
