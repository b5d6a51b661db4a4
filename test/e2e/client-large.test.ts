/**
 * Large content through the client against the real local runtime and its local S3: the SDK's
 * upload (multipart, parallel parts) and download with progress, the sync engine on S3-held text
 * (patches stating their size, whole-content replacements by upload followed by download), and the
 * CLI's put / get of a binary file and `watch` printing a live change.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api as craftSync } from '../../infra/api.ts';
import { decodeBase64 } from '../../client/patch/index.ts';
import { download, sha256Hex, upload, type Api, type TransferProgress } from '../../client/sdk/index.ts';
import { openFile, type Progress, type SyncedFile } from '../../client/sync/index.ts';
import { PASSWORD, startStack, type TestStack } from './harness.ts';
import { sdkUser, waitFor } from './client-harness.ts';

const BIN = resolve('client/cli/craft-sync.mjs');
let stack: TestStack;
let alice: { api: Api; sub: string };
let bob: { api: Api; sub: string };
let tmp: string;
const children: ChildProcess[] = [];
const opened: SyncedFile[] = [];

beforeAll(async () => {
  stack = await startStack(craftSync);
  alice = await sdkUser(stack, 'alice@example.com');
  bob = await sdkUser(stack, 'bob@example.com');
  await stack.runtime.cognito!.createUser({ email: 'carol@example.com', password: PASSWORD });
  tmp = mkdtempSync(join(tmpdir(), 'craft-sync-large-'));
});

afterAll(async () => {
  for (const f of opened) await f.close();
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await stack?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Progress reports make sense: never backwards, never past the total, ending complete. */
function expectSaneProgress(events: TransferProgress[], total: number) {
  expect(events.length).toBeGreaterThan(2);
  for (let i = 1; i < events.length; i++) expect(events[i]!.loaded).toBeGreaterThanOrEqual(events[i - 1]!.loaded);
  for (const e of events) expect(e.loaded).toBeLessThanOrEqual(e.total);
  expect(events.at(-1)).toEqual({ loaded: total, total });
}

describe('SDK uploads and downloads', () => {
  it('a 20 MB binary goes up in parallel parts and a second client reads it back byte-exact', async () => {
    const bytes = randomBytes(20 * 1024 * 1024);
    const sha256 = await sha256Hex(bytes);
    const up: TransferProgress[] = [];
    const { uploadId } = await upload(alice.api, bytes, { contentType: 'application/octet-stream', onProgress: (p) => up.push(p) });
    expectSaneProgress(up, bytes.length);
    expect(alice.api.stats.byOperation.completeUpload?.requests).toBe(1); // it was multipart
    const inserted = await alice.api.insertFile({ name: 'blob.bin', contentType: 'application/octet-stream', encoding: 'BASE64', upload: { uploadId }, sha256 });
    expect(inserted).toMatchObject({ version: 1, size: bytes.length, content: null });
    await alice.api.shareFile({ fileId: inserted.fileId, userId: bob.sub, role: 'VIEWER' });

    // The SDK's download, verified by sha256, with progress.
    const head = await bob.api.getFile(inserted.fileId);
    const down: TransferProgress[] = [];
    const got = await download(head.contentUrl!, { sha256: head.sha256, onProgress: (p) => down.push(p) });
    expect(Buffer.from(got).equals(bytes)).toBe(true);
    expectSaneProgress(down, bytes.length);
    await expect(download(head.contentUrl!, { sha256: '0'.repeat(64) })).rejects.toMatchObject({ errorType: 'Integrity' });

    // The sync engine opens S3-held content by downloading it.
    const progress: Progress[] = [];
    const file = await openFile(bob.api, inserted.fileId, { live: false });
    opened.push(file);
    expect(Buffer.from(decodeBase64(file.content)!).equals(bytes)).toBe(true);
    expect(file.encoding).toBe('BASE64');
    file.on('progress', (p) => progress.push(p));
    await file.refresh(); // nothing changed: no download
    expect(progress).toEqual([]);
  }, 120_000);

  it('a failed multipart upload is aborted and reported as a typed error', async () => {
    const bytes = randomBytes(6 * 1024 * 1024);
    // A sha256 that is not the bytes': S3 takes the parts, completeUpload refuses the whole.
    await expect(upload(alice.api, bytes, { contentType: 'application/octet-stream', multipart: true, sha256: 'a'.repeat(64) })).rejects.toMatchObject({ errorType: 'InvalidInput' });
    expect(alice.api.stats.byOperation.abortUpload?.requests).toBeGreaterThanOrEqual(1);
  }, 60_000);
});

describe('sync engine on S3-held text', () => {
  const para = (n: number) => `paragraph ${n}: ${'lorem ipsum dolor sit amet, é 😀 '.repeat(6)}\n`;
  const bigText = (count: number) => Array.from({ length: count }, (_, i) => para(i)).join('');

  it('a 200 KB text edited by one client is followed live by another; both end identical', async () => {
    const initial = bigText(1000);
    expect(initial.length).toBeGreaterThan(200_000);
    const bytes = Buffer.from(initial, 'utf8');
    const sha256 = await sha256Hex(bytes);
    const { uploadId } = await upload(alice.api, bytes, { contentType: 'text/markdown' });
    const inserted = await alice.api.insertFile({ name: 'big.md', contentType: 'text/markdown', upload: { uploadId, length: initial.length }, sha256 });
    await alice.api.shareFile({ fileId: inserted.fileId, userId: bob.sub, role: 'EDITOR' });

    const writer = await openFile(alice.api, inserted.fileId);
    const reader = await openFile(bob.api, inserted.fileId);
    opened.push(writer, reader);
    expect(reader.content).toBe(initial);
    const readerProgress: Progress[] = [];
    reader.on('progress', (p) => readerProgress.push(p));
    const seen: number[] = [];
    reader.on('change', (e) => seen.push(e.version));

    // Small edits travel as patches of S3-held text (with the resulting size); the reader applies them in place.
    let text = initial;
    for (let i = 0; i < 5; i++) {
      text = text.replace(`paragraph ${i * 100}:`, `PARAGRAPH ${i * 100} (edited):`);
      await writer.edit(text);
    }
    await writer.flush();
    await waitFor(
      () => reader.version === writer.version && reader.content === writer.content,
      'the reader to follow the patches',
      () => [reader.version, writer.version],
    );
    expect(writer.version).toBe(6);
    expect(readerProgress).toEqual([]); // patches: nothing downloaded

    // A rewrite too large for a patch goes up as an upload; the reader downloads it.
    const rewritten = Array.from({ length: 1100 }, () => `${randomBytes(100).toString('hex')}\n`).join('');
    const uploads: Progress[] = [];
    writer.on('progress', (p) => uploads.push(p));
    const change = await writer.edit(rewritten);
    expect(change).toMatchObject({ version: 7, patch: null, content: null });
    expect(change?.contentUrl).toBeTruthy();
    expect(uploads.filter((p) => p.direction === 'upload').at(-1)).toMatchObject({ loaded: Buffer.byteLength(rewritten), total: Buffer.byteLength(rewritten) });
    await waitFor(
      () => reader.version === 7 && reader.content === rewritten,
      'the reader to download the rewrite',
      () => reader.version,
    );
    expect(readerProgress.some((p) => p.direction === 'download' && p.loaded === Buffer.byteLength(rewritten))).toBe(true);

    // And the other way: the reader edits, the writer follows.
    await reader.edit(`${rewritten}appended by bob\n`);
    await waitFor(() => writer.version === reader.version && writer.content === reader.content && reader.pendingEdits === 0, 'the writer to follow back');
    const head = await alice.api.getFile(inserted.fileId);
    expect(head.version).toBe(8);
    expect(head.sha256).toBe(await sha256Hex(writer.content));
    expect(seen).toContain(7);
  }, 180_000);
});

describe('sync engine across the inline limit', () => {
  it('an inline text grown past the limit goes up as an upload, and back inline when it shrinks', async () => {
    const small = 'short note\n';
    const inserted = await alice.api.insertFile({ name: 'grow.txt', contentType: 'text/plain', content: small, sha256: await sha256Hex(small) });
    await alice.api.shareFile({ fileId: inserted.fileId, userId: bob.sub, role: 'VIEWER' });
    const writer = await openFile(alice.api, inserted.fileId);
    const reader = await openFile(bob.api, inserted.fileId);
    opened.push(writer, reader);

    const big = small + 'x'.repeat(40_000);
    const grown = await writer.edit(big);
    expect(grown).toMatchObject({ version: 2, patch: null, content: null });
    expect(grown?.contentUrl).toBeTruthy();
    await waitFor(
      () => reader.version === 2 && reader.content === big,
      'the reader to download the grown text',
      () => reader.version,
    );

    const edited = `${big}tail\n`; // a small patch of S3-held text, stating its size
    expect(await writer.edit(edited)).toMatchObject({ version: 3, content: null, contentUrl: null });
    expect((await writer.edit(small))?.content).toBe(small); // small again: inline content
    await waitFor(
      () => reader.version === 4 && reader.content === small,
      'the reader to follow back inline',
      () => reader.version,
    );
    expect((await alice.api.getFile(inserted.fileId)).content).toBe(small);
  }, 120_000);
});

describe('sync engine far behind on S3-held text', () => {
  it('a client 60 versions behind starts from the snapshot; a new client opens at contentVersion plus patches', async () => {
    let text = Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(5, '0')} the quick brown fox — ünï 😀\n`).join('');
    const bytes = Buffer.from(text, 'utf8');
    const { uploadId } = await upload(alice.api, bytes, { contentType: 'text/plain' });
    const inserted = await alice.api.insertFile({ name: 'log.txt', contentType: 'text/plain', upload: { uploadId, length: text.length }, sha256: await sha256Hex(bytes) });
    await alice.api.shareFile({ fileId: inserted.fileId, userId: bob.sub, role: 'VIEWER' });
    const behind = await openFile(bob.api, inserted.fileId, { live: false });
    const writer = await openFile(alice.api, inserted.fileId, { live: false });
    opened.push(behind, writer);

    for (let i = 1; i <= 60; i++) {
      text = text.replace(`${String(i * 40).padStart(5, '0')} the`, `${String(i * 40).padStart(5, '0')} THE`);
      await writer.edit(text);
    }
    await writer.flush();
    expect(writer.version).toBe(61);
    await stack.runtime.drainStreams(); // the snapshotter has run

    const resyncs: string[] = [];
    behind.on('resync', (e) => resyncs.push(e.reason));
    await behind.refresh();
    expect(resyncs).toEqual(['snapshot']);
    expect(behind.version).toBe(61);
    expect(behind.content === text).toBe(true);

    const head = await bob.api.getFile(inserted.fileId);
    expect(head.contentVersion).toBeLessThan(61);
    const fresh = await openFile(bob.api, inserted.fileId, { live: false });
    opened.push(fresh);
    expect(fresh.version).toBe(61);
    expect(fresh.content === text).toBe(true);
  }, 180_000);
});

describe('CLI with large content', () => {
  function cli(...args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
    return new Promise((done) => {
      const child = spawn(process.execPath, [BIN, '--profile', join(tmp, 'carol'), ...args], { env: { ...process.env, CRAFT_SYNC_PASSWORD: PASSWORD } });
      const out: Buffer[] = [];
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => done({ code: code ?? -1, stdout: Buffer.concat(out), stderr }));
    });
  }
  const lastJson = <T>(b: Buffer): T => JSON.parse(b.toString().trim().split('\n').pop()!) as T;
  let id = '';

  it('put + get of a 6 MB binary round-trips byte-exact', async () => {
    expect((await cli('login', 'carol@example.com', '--config', stack.runtime.amplifyConfigPath)).code).toBe(0);
    const bytes = randomBytes(6 * 1024 * 1024);
    const src = join(tmp, 'photo.raw');
    writeFileSync(src, bytes);
    const put = await cli('put', src, '--json');
    expect(put.code).toBe(0);
    const info = lastJson<{ id: string; version: number; size: number }>(put.stdout);
    expect(info).toMatchObject({ version: 1, size: bytes.length });
    expect(put.stderr).not.toContain('\r'); // not a terminal: no progress bar
    id = info.id;

    const dest = join(tmp, 'photo.copy');
    const get = await cli('get', id, '--out', dest);
    expect(get.code).toBe(0);
    expect(readFileSync(dest).equals(bytes)).toBe(true);
    const piped = await cli('get', id);
    expect(piped.stdout.equals(bytes)).toBe(true);
    expect((await cli('get', 'no-such-file')).code).toBe(4);
  }, 180_000);

  it('on a terminal, put and get draw a progress bar on stderr', async () => {
    // `script` runs the CLI on a pseudo-terminal, as a person would; it relays the terminal's output.
    const tty = (...args: string[]) =>
      new Promise<{ code: number; out: string }>((done) => {
        const cmd = [process.execPath, BIN, '--profile', join(tmp, 'carol'), ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
        const child = spawn('script', ['-qefc', cmd, '/dev/null'], { env: { ...process.env, CRAFT_SYNC_PASSWORD: PASSWORD } });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => done({ code: code ?? -1, out }));
      });
    const src = join(tmp, 'tty.raw');
    writeFileSync(src, randomBytes(3 * 1024 * 1024));
    const put = await tty('put', src);
    expect(put.code, put.out).toBe(0);
    expect(put.out).toMatch(/\rupload \[#{30}\] 100% 3\.0\/3\.0 MB/);
    const fileId = /([0-9a-f-]{36})\s*$/.exec(put.out)?.[1];
    expect(fileId, put.out).toBeDefined();
    const dest = join(tmp, 'tty.copy');
    const get = await tty('get', fileId!, '--out', dest);
    expect(get.code, get.out).toBe(0);
    expect(get.out).toMatch(/\rdownload \[#{30}\] 100% 3\.0\/3\.0 MB/);
    expect(readFileSync(dest).equals(readFileSync(src))).toBe(true);
  }, 180_000);

  it('watch prints a live change', async () => {
    const path = join(tmp, 'watched.txt');
    writeFileSync(path, 'first\n');
    const fileId = lastJson<{ id: string }>((await cli('put', path, '--json')).stdout).id;
    const child = spawn(process.execPath, [BIN, '--profile', join(tmp, 'carol'), 'watch', fileId, '--json']);
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(
      () => stderr.includes('watching'),
      'watch to start',
      () => stderr,
      60_000,
    );

    writeFileSync(path, 'first\nsecond\n');
    expect((await cli('push', fileId, path)).code).toBe(0);
    await waitFor(
      () => stdout.includes('\n'),
      'watch to print the change',
      () => [stdout, stderr],
      60_000,
    );
    const line = JSON.parse(stdout.split('\n')[0]!) as { id: string; version: number; remote: boolean; length: number };
    expect(line).toMatchObject({ id: fileId, version: 2, remote: true, length: 'first\nsecond\n'.length });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 180_000);
});
