/**
 * The browser app's workspace in headless Chromium against the real local runtime: a file list that
 * follows changes by itself (a file shared with me appears, its version moves, a deleted file goes);
 * the owner deletes and the other page sees it go; the member list with roles; a viewer gets no
 * editing controls; the owner removes a member and the file leaves their list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFile, fileButton, openFromList, share, SLOW, startApp, subOf, textOf, type AppStack } from './app-harness.ts';

let app: AppStack;

beforeAll(async () => {
  app = await startApp(['alice@example.com', 'bob@example.com', 'carol@example.com']);
});
afterAll(async () => {
  await app?.stop();
});

describe('the browser app workspace', () => {
  it('the list follows changes: a file shared with me appears, its version moves; the owner deletes it and it goes from my list and my editor', async () => {
    const alice = await app.signedIn('alice@example.com');
    const bob = await app.signedIn('bob@example.com');
    const fileId = await createFile(alice, 'followed.txt');
    expect(await fileButton(bob, fileId).count()).toBe(0);
    await share(alice, await subOf(bob), 'EDITOR');
    // No click on ↻: the list polls the change feed.
    await fileButton(bob, fileId).waitFor(SLOW);
    expect(await fileButton(bob, fileId).getAttribute('data-version')).toBe('1');

    await alice.locator('#content').click();
    await alice.keyboard.type('hello');
    await expect.poll(() => alice.locator('#version').textContent(), SLOW).not.toBe('1');
    await expect.poll(() => fileButton(bob, fileId).getAttribute('data-version'), SLOW).not.toBe('1');

    await openFromList(bob, fileId);
    await expect.poll(() => textOf(bob), SLOW).toBe('hello');
    // The member list, with roles, on both sides; only the owner may remove someone.
    await expect.poll(() => bob.locator('#members li').allTextContents(), SLOW).toEqual([`${await subOf(alice)} (owner)`, 'you (editor)']);
    expect(await bob.locator('#members button.unshare').count()).toBe(0);
    expect(await bob.locator('#delete').isHidden()).toBe(true);
    await expect.poll(() => alice.locator('#members li').count(), SLOW).toBe(2);

    await alice.locator('#delete').click();
    await expect.poll(() => alice.locator('#message').textContent(), SLOW).toBe('deleted followed.txt');
    expect(await alice.locator('#editor').isHidden()).toBe(true);
    expect(await fileButton(alice, fileId).count()).toBe(0);
    await expect.poll(() => bob.locator('#message').textContent(), SLOW).toBe('This file was deleted.');
    expect(await bob.locator('#content').getAttribute('readonly')).not.toBeNull();
    // Presence heartbeats (every 3 s) to the deleted file do not bury that message under errors.
    await bob.waitForTimeout(4_000);
    expect(await bob.locator('#message').textContent()).toBe('This file was deleted.');
    await expect.poll(() => fileButton(bob, fileId).count(), SLOW).toBe(0);
    for (const p of [alice, bob]) await p.context().close();
    expect(app.pageErrors()).toEqual([]);
  });

  it('a viewer gets no editing controls; the owner removes them and the file leaves their list', async () => {
    const alice = await app.signedIn('alice@example.com');
    const carol = await app.signedIn('carol@example.com');
    const fileId = await createFile(alice, 'read-only.txt');
    await alice.locator('#content').click();
    await alice.keyboard.type('look, do not touch');
    await expect.poll(() => alice.locator('#sync-state').getAttribute('data-state'), SLOW).toBe('saved');
    await share(alice, await subOf(carol), 'VIEWER');

    await openFromList(carol, fileId);
    await expect.poll(() => textOf(carol), SLOW).toBe('look, do not touch');
    expect(await carol.locator('#my-role').textContent()).toBe('viewer');
    expect(await carol.locator('#content').getAttribute('readonly')).not.toBeNull();
    // History is hers to read, not to restore.
    await carol.locator('#history summary').click();
    await carol.locator('#history-list li[data-version="1"] button.view').click();
    await carol.locator('#history-selected').waitFor({ state: 'visible' });
    for (const control of ['#share', '#delete', '#restore']) expect(await carol.locator(control).isHidden(), control).toBe(true);
    await carol.locator('#content').click();
    await carol.keyboard.type(' carol was here');
    expect(await textOf(carol)).toBe('look, do not touch');
    await expect.poll(() => carol.locator('#members li').allTextContents(), SLOW).toEqual([`${await subOf(alice)} (owner)`, 'you (viewer)']);
    // The owner still types, and the viewer follows.
    await alice.locator('#content').click();
    await alice.locator('#content').press('Control+End');
    await alice.keyboard.type('!');
    await expect.poll(() => textOf(carol), SLOW).toBe('look, do not touch!');

    const remove = alice.locator(`#members li[data-user="${await subOf(carol)}"] button.unshare`);
    await expect.poll(() => remove.count(), SLOW).toBe(1);
    await remove.click();
    await expect.poll(() => alice.locator('#members li').allTextContents(), SLOW).toEqual(['you (owner)']);
    await expect.poll(() => fileButton(carol, fileId).count(), SLOW).toBe(0);
    for (const p of [alice, carol]) await p.context().close();
    expect(app.pageErrors()).toEqual([]);
  });
});
