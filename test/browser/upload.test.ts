/**
 * Browser uploads (CORS) in real headless Chromium: a page on its own origin runs the whole upload
 * flow with the user's token — GraphQL over HTTP (the endpoint's CORS), the presigned PUT with its
 * signed headers (the local S3's preflight and CORS rule), insertFile, and getFile's presigned GET —
 * against the real local runtime. A PUT with another content type than signed fails in the browser
 * and nothing is committed; a page on an origin the bucket's CORS rule does not name cannot PUT at all.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../infra/api.ts';
import { download, GET, hex, MODIFY, newId, uploadStored } from '../e2e/content-client.ts';
import { startStack, type TestStack } from '../e2e/harness.ts';
import { user, type SyncUser } from '../e2e/sync-client.ts';
import { launchChromium } from './chromium.ts';
import { serveStatic, type StaticServer } from './static-server.ts';

const TEXT = 'text/markdown; charset=utf-8';

interface Report {
  steps: string[];
  sha256?: string;
  uploadId?: string;
  fileId?: string;
  put?: { status: number; etag: string | null; code: string | null };
  insert?: { fileId: string; version: number; size: number; length: number; sha256: string } | null;
  insertErrors?: Array<{ errorType: string; field: string | null }> | null;
  download?: { status: number; size: number; sha256: string; same: boolean };
  error?: string;
}

let stack: TestStack;
let site: StaticServer;
/** Serves the same page from an origin the bucket does not allow. */
let otherSite: StaticServer;
let browser: Browser;
let page: Page;
let otherPage: Page;
let alice: SyncUser;
/** Every OPTIONS request Chromium sent (CORS preflights), as seen by its network stack. */
const preflights: string[] = [];

beforeAll(async () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'page');
  [site, otherSite, browser] = await Promise.all([serveStatic(dir), serveStatic(dir), launchChromium({ ignoreCertificateErrors: true })]);
  // The bucket names its browser origin, as a deployment's CORS rule does (locally it defaults to any).
  stack = await startStack({ ...api, buckets: { ...api.buckets, content: { corsAllowedOrigins: [site.origin] } } });
  alice = user(stack.runtime.graphqlUrl, await stack.tokenFor('alice@example.com'));
  page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.request.method === 'OPTIONS') preflights.push(new URL(e.request.url).origin);
  });
  otherPage = await browser.newPage();
  for (const [p, s] of [
    [page, site],
    [otherPage, otherSite],
  ] as const) {
    await p.goto(`${s.origin}/`);
    await p.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  }
});
afterAll(async () => {
  await browser?.close();
  await site?.stop();
  await otherSite?.stop();
  await stack?.stop();
});

const runInPage = (cfg: { text: string; name: string; putContentType?: string }, on = page): Promise<Report> =>
  on.evaluate((c) => (window as unknown as { craftSync: { upload(c: unknown): Promise<Report> } }).craftSync.upload(c), {
    graphqlUrl: stack.runtime.graphqlUrl,
    token: alice.token,
    contentType: TEXT,
    ...cfg,
  });

const origin = (url: string) => new URL(url).origin;

describe('browser uploads (CORS) in headless Chromium', () => {
  it('the page and the endpoints are three origins', () => {
    const s3 = origin(stack.runtime.s3!.endpoint);
    const graphql = origin(stack.runtime.graphqlUrl);
    expect(new Set([site.origin, s3, graphql]).size).toBe(3);
  });

  it('createUpload, presigned PUT, insertFile and the presigned GET all work from the page', async () => {
    const text = `# from the browser\n${'héllo wörld 😀 '.repeat(8000)}`;
    const bytes = Buffer.from(text, 'utf8');
    const report = await runInPage({ text, name: 'browser.md' });

    expect(report.error).toBeUndefined();
    expect(report.steps).toEqual(['createUpload', 'put', 'insertFile', 'getFile', 'download']);
    expect(report.sha256).toBe(hex(bytes));
    // The ETag is readable only because the bucket's CORS rule exposes it.
    expect(report.put).toMatchObject({ status: 200, code: null, etag: expect.stringMatching(/^".+"$/) });
    expect(report.insertErrors).toBeNull();
    expect(report.insert).toMatchObject({ fileId: report.fileId, version: 1, size: bytes.length, length: text.length, sha256: hex(bytes) });
    expect(report.download).toEqual({ status: 200, size: bytes.length, sha256: hex(bytes), same: true });

    // The browser preflighted both cross-origin endpoints (custom headers / JSON / PUT).
    expect(preflights).toContain(origin(stack.runtime.s3!.endpoint));
    expect(preflights).toContain(origin(stack.runtime.graphqlUrl));

    // What the API holds, seen from outside the browser.
    const file = (await alice.call(GET, { id: report.fileId })).data!.getFile as { version: number; size: number; sha256: string; contentUrl: string; owner: string };
    expect(file).toMatchObject({ version: 1, size: bytes.length, sha256: hex(bytes), owner: alice.sub });
    expect((await download(file.contentUrl)).equals(bytes)).toBe(true);
  });

  it('a PUT with another content type than signed fails in the browser; nothing is stored or committed', async () => {
    const text = `# refused\n${'x'.repeat(50_000)}`;
    const report = await runInPage({ text, name: 'refused.md', putContentType: 'text/html' });

    expect(report.error).toBeUndefined();
    // The refusal carries the CORS headers, so the page reads S3's own status and error code.
    expect(report.put).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(report.insert).toBeNull();
    expect(report.insertErrors).toEqual([{ errorType: 'InvalidInput', field: 'uploadId' }]);
    expect(report.steps).toEqual(['createUpload', 'put', 'insertFile']);

    expect(await uploadStored(stack.runtime, alice.sub, report.uploadId!)).toBe(false);
    const get = await alice.call(GET, { id: report.fileId });
    expect(get.errors?.[0]?.errorType).toBe('NotFound');
  });

  it('a page on an origin the bucket does not allow: the browser blocks the PUT; nothing is stored or committed', async () => {
    const text = `# elsewhere\n${'y'.repeat(10_000)}`;
    const report = await runInPage({ text, name: 'elsewhere.md' }, otherPage);

    // The GraphQL endpoint answers any origin (as AppSync does); the S3 preflight is refused, so
    // fetch rejects without a response the page could read.
    expect(report.steps).toEqual(['createUpload']);
    expect(report.error).toMatch(/TypeError: Failed to fetch/);
    expect(await uploadStored(stack.runtime, alice.sub, report.uploadId!)).toBe(false);
  });

  // The runtime's wss:// certificate comes from the run's throwaway CA, which this Chromium profile
  // does not trust: the browser runs with --ignore-certificate-errors for this reason only.
  it('the page subscribes over wss:// and receives a change committed through the API', async () => {
    const text = '# live\n' + 'z'.repeat(40_000);
    const uploaded = await runInPage({ text, name: 'live.md' });
    expect(uploaded.insert).toMatchObject({ version: 1 });
    const fileId = uploaded.fileId!;

    const sub = await page.evaluate((c) => (window as unknown as { craftSync: { subscribe(c: unknown): Promise<{ frames: string[]; error?: string }> } }).craftSync.subscribe(c), {
      realtimeUrl: stack.runtime.realtimeUrl,
      graphqlUrl: stack.runtime.graphqlUrl,
      token: alice.token,
      fileId,
    });
    expect(sub).toEqual({ frames: ['connection_ack', 'start_ack'] });

    const modified = await alice.call(MODIFY, { input: { id: fileId, baseVersion: 1, content: 'small now', sha256: hex('small now'), requestId: newId() } });
    expect(modified.errors).toBeUndefined();
    await page.waitForFunction(() => (window as unknown as { craftSync: { events: unknown[] } }).craftSync.events.length > 0);
    const events = await page.evaluate(() => (window as unknown as { craftSync: { events: unknown[] } }).craftSync.events);
    expect(events).toEqual([{ fileId, version: 2, op: 'MODIFY', content: 'small now' }]);
  });
});
