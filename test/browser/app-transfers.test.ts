/**
 * Uploading from disk and downloading in the browser app, headless Chromium against the real local
 * runtime: a binary file of 3 MiB (a few MB keeps this suite quick on a 2-core machine; the S3 path
 * is the same for any size, and multipart above 8 MiB is covered by the SDK's own tests) goes up
 * through the presigned S3 PUT with the page's progress bar, is listed as binary, and downloads
 * byte-exact in another user's page; a small UTF-8 file becomes an editable text file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileButton, openFromList, share, SLOW, startApp, subOf, textOf, type AppStack } from './app-harness.ts';

const MIB = 1024 * 1024;
let app: AppStack;

beforeAll(async () => {
  app = await startApp(['alice@example.com', 'bob@example.com']);
});
afterAll(async () => {
  await app?.stop();
});

async function uploadFrom(page: Page, name: string, mimeType: string, buffer: Buffer): Promise<string> {
  await page.locator('#upload-file').setInputFiles({ name, mimeType, buffer });
  await page.locator('#upload button[type=submit]').click();
  await expect.poll(() => page.locator('#upload-state').textContent(), { timeout: 30_000 }).toBe(`uploaded ${name} (${buffer.byteLength} bytes)`);
  await expect.poll(() => page.locator('#file-name').textContent(), SLOW).toBe(name);
  return (await page.locator('#files button[aria-current="true"]').getAttribute('data-id'))!;
}

async function downloadFrom(page: Page): Promise<Buffer> {
  const [saved] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.locator('#download').click()]);
  return readFileSync((await saved.path())!);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('uploads and downloads in the browser app', () => {
  it('a 3 MiB binary uploaded with progress through S3 is listed as binary and downloads byte-exact in another page', async () => {
    const alice = await app.signedIn('alice@example.com');
    const bob = await app.signedIn('bob@example.com');
    const bytes = randomBytes(3 * MIB);
    const fileId = await uploadFrom(alice, 'blob.bin', 'application/octet-stream', bytes);
    // The progress bar ended full.
    expect(await alice.locator('#upload-progress').evaluate((p) => [(p as HTMLProgressElement).value, (p as HTMLProgressElement).max])).toEqual([bytes.byteLength, bytes.byteLength]);
    expect(await alice.locator('#binary').isVisible()).toBe(true);
    expect(await alice.locator('#binary-size').textContent()).toBe(String(bytes.byteLength));
    expect(await alice.locator('#text-pad').isHidden()).toBe(true);

    await share(alice, await subOf(bob), 'VIEWER');
    await fileButton(bob, fileId).waitFor({ timeout: 15_000 });
    expect(await fileButton(bob, fileId).locator('small').textContent()).toBe(`binary, ${bytes.byteLength} bytes`);
    await openFromList(bob, fileId);
    const got = await downloadFrom(bob);
    expect(got.byteLength).toBe(bytes.byteLength);
    expect(sha(got)).toBe(sha(bytes));
    expect(Buffer.compare(got, bytes)).toBe(0);
    expect(await bob.locator('#message').textContent()).toBe(`downloaded blob.bin (${bytes.byteLength} bytes)`);
    for (const p of [alice, bob]) await p.context().close();
    expect(app.pageErrors()).toEqual([]);
  });

  it('a UTF-8 file from disk becomes a text file that opens in the editor, stays editable and downloads as edited', async () => {
    const alice = await app.signedIn('alice@example.com');
    const text = 'Grüße from disk\nline two\n';
    await uploadFrom(alice, 'notes.txt', 'text/plain', Buffer.from(text, 'utf8'));
    await expect.poll(() => textOf(alice), SLOW).toBe(text);
    expect(await alice.locator('#content').getAttribute('readonly')).toBeNull();
    await alice.locator('#content').click();
    await alice.locator('#content').press('Control+End');
    await alice.keyboard.type('three');
    await expect.poll(() => alice.locator('#sync-state').getAttribute('data-state'), SLOW).toBe('saved');
    await expect.poll(() => alice.locator('#version').textContent(), SLOW).not.toBe('1');
    expect((await downloadFrom(alice)).toString('utf8')).toBe(`${text}three`);
    await alice.context().close();
    expect(app.pageErrors()).toEqual([]);
  });
});
