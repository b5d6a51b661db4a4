/**
 * The upload / download flow against a loopback stand-in for S3 and a stubbed API: the requests
 * carry exactly their signed headers and each part its own checksum, S3's 5xx is retried, a
 * refusal aborts the multipart upload, downloads report progress and check the sha256.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api, UploadSession } from './api.ts';
import { download, upload, type TransferProgress } from './transfer.ts';

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}
let server: Server;
let base = '';
const seen: Seen[] = [];
/** Per path: statuses to answer before 200 (consumed in order). */
const failures = new Map<string, number[]>();
const objects = new Map<string, Buffer>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url!;
      if (req.method === 'GET') {
        const o = objects.get(path);
        res.writeHead(o ? 200 : 404, { 'content-length': String(o?.length ?? 0) }).end(o);
        return;
      }
      seen.push({ path, headers: req.headers, body: Buffer.concat(chunks) });
      const fail = failures.get(path)?.shift();
      if (fail) res.writeHead(fail).end(`<Error><Code>${fail === 503 ? 'SlowDown' : 'AccessDenied'}</Code></Error>`);
      else res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const b64sha = (b: Uint8Array) => createHash('sha256').update(b).digest('base64');
const signed = [
  { name: 'content-type', value: 'application/x-test' },
  { name: 'x-amz-meta-owner', value: 'me' },
];

/** A stub of the API's upload mutations, recording the calls. */
function stubApi(session: (input: { size: number; multipart?: boolean | null }) => UploadSession) {
  const calls: string[] = [];
  const api = {
    createUpload: async (input: { size: number; multipart?: boolean | null }) => (calls.push('createUpload'), session(input)),
    completeUpload: async (uploadId: string) => (calls.push('completeUpload'), { uploadId }),
    abortUpload: async () => (calls.push('abortUpload'), true),
  } as unknown as Api;
  return { api, calls };
}

function partsSession(id: string, size: number, partSize: number): UploadSession {
  const parts = [];
  for (let n = 1, at = 0; at < size; n++, at += partSize) parts.push({ partNumber: n, size: Math.min(partSize, size - at), request: { url: `${base}/${id}/${n}`, method: 'PUT', headers: signed } });
  return { uploadId: id, expiresAt: '', put: null, partSize, parts };
}

describe('upload', () => {
  it('multipart: parts in parallel with their own checksums and signed headers; a 503 is retried', async () => {
    const bytes = randomBytes(10_000);
    failures.set('/m1/2', [503]);
    const { api, calls } = stubApi((i) => partsSession('m1', i.size, 3_000));
    const progress: TransferProgress[] = [];
    const r = await upload(api, bytes, { contentType: 'application/x-test', multipart: true, concurrency: 2, onProgress: (p) => progress.push(p) });
    expect(r).toEqual({ uploadId: 'm1', size: 10_000, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(calls).toEqual(['createUpload', 'completeUpload']);
    const parts = seen.filter((s) => s.path.startsWith('/m1/'));
    expect(parts).toHaveLength(5); // 4 parts, part 2 twice
    for (const p of parts) {
      const n = Number(p.path.split('/')[2]);
      const chunk = bytes.subarray((n - 1) * 3_000, n * 3_000);
      expect(p.body.equals(chunk)).toBe(true);
      expect(p.headers['x-amz-checksum-sha256']).toBe(b64sha(chunk));
      expect(p.headers['content-type']).toBe('application/x-test');
      expect(p.headers['x-amz-meta-owner']).toBe('me');
    }
    expect(progress[0]).toEqual({ loaded: 0, total: 10_000 });
    expect(progress.at(-1)).toEqual({ loaded: 10_000, total: 10_000 });
    expect(progress).toHaveLength(5);
  });

  it('multipart declares its part size and every part SHA-256 (bound into the part URLs) and sends each with its part', async () => {
    const part = 8 * 1024 * 1024;
    const bytes = randomBytes(part + 1_000);
    let declared: Record<string, unknown> = {};
    const { api } = stubApi((i) => ((declared = i), partsSession('m3', i.size, part)));
    await upload(api, bytes, { contentType: 'application/x-test', multipart: true });
    const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    expect(declared).toMatchObject({ multipart: true, partSize: part, partSha256: [hex(bytes.subarray(0, part)), hex(bytes.subarray(part))] });
    expect(seen.find((s) => s.path === '/m3/2')!.headers['x-amz-checksum-sha256']).toBe(b64sha(bytes.subarray(part)));
  });

  it('a refused part aborts the upload and throws InvalidInput, without completing', async () => {
    failures.set('/m2/3', [403]);
    const { api, calls } = stubApi((i) => partsSession('m2', i.size, 1_000));
    await expect(upload(api, randomBytes(5_000), { contentType: 'application/x-test', multipart: true })).rejects.toMatchObject({
      errorType: 'InvalidInput',
      errorInfo: { status: 403, code: 'AccessDenied' },
    });
    expect(calls).toEqual(['createUpload', 'abortUpload']);
  });

  it('single PUT: the whole content with exactly the signed headers', async () => {
    const bytes = randomBytes(2_000);
    const { api, calls } = stubApi(() => ({ uploadId: 's1', expiresAt: '', put: { url: `${base}/s1`, method: 'PUT', headers: signed }, partSize: null, parts: null }));
    const r = await upload(api, bytes, { contentType: 'application/x-test' });
    expect(r.uploadId).toBe('s1');
    expect(calls).toEqual(['createUpload']);
    const put = seen.find((s) => s.path === '/s1')!;
    expect(put.body.equals(bytes)).toBe(true);
    expect(put.headers['x-amz-checksum-sha256']).toBeUndefined();
    expect(put.headers['content-type']).toBe('application/x-test');
  });
});

describe('download', () => {
  it('streams with progress and verifies the sha256', async () => {
    const bytes = randomBytes(300_000);
    objects.set('/obj', bytes);
    const progress: TransferProgress[] = [];
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const got = await download(`${base}/obj`, { sha256, onProgress: (p) => progress.push(p) });
    expect(Buffer.from(got).equals(bytes)).toBe(true);
    expect(progress.at(-1)).toEqual({ loaded: 300_000, total: 300_000 });
    await expect(download(`${base}/obj`, { sha256: '0'.repeat(64) })).rejects.toMatchObject({ errorType: 'Integrity' });
    await expect(download(`${base}/missing`)).rejects.toMatchObject({ errorType: 'InvalidInput', errorInfo: { status: 404 } });
  });
});
