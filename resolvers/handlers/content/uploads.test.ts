import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestS3, TEST_CREDENTIAL } from '../../../infra/local/services/s3/testing.ts';
import { ContentError } from './errors.ts';
import { uploadKey } from './keys.ts';
import { abortUpload, completeUpload, createUpload, presignDownload, verifyUpload, type UploadSession } from './uploads.ts';

let t: Awaited<ReturnType<typeof startTestS3>>;
beforeAll(async () => {
  t = await startTestS3({ content: {} });
  // What the local runtime gives a Lambda handler (and AWS gives it in its own way).
  Object.assign(process.env, {
    CONTENT_BUCKET: 'content',
    AWS_ENDPOINT_URL_S3: t.server.endpoint,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIAL.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIAL.secretAccessKey,
    AWS_REGION: 'us-east-1',
  });
});
afterAll(() => t.stop());

const ALICE = '11111111-aaaa-4aaa-8aaa-111111111111';
const BOB = '22222222-bbbb-4bbb-8bbb-222222222222';
const hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const stored = async (sub: string, s: UploadSession) => (await t.server.store.head('content', uploadKey(sub, s.uploadId.split('.')[0]!))) !== undefined;

async function failure(p: Promise<unknown>) {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ContentError);
  return (e as ContentError).failure;
}

describe('single PUT sessions', () => {
  const body = Buffer.from('# notes\n'.repeat(1000));
  const put = (s: UploadSession, bytes: Buffer, headers: Record<string, string> = {}, url = s.put!.url) =>
    fetch(url, { method: 'PUT', body: new Uint8Array(bytes), headers: { ...s.put!.headers, ...headers } });

  it('accept the declared bytes; the commit check passes and a download URL serves them', async () => {
    const s = await createUpload(ALICE, { size: body.length, sha256: hex(body), contentType: 'text/markdown' });
    expect((await put(s, body)).status).toBe(200);
    const v = await verifyUpload(ALICE, s.uploadId, { sha256: hex(body), contentType: 'text/markdown' });
    expect(v).toMatchObject({ size: body.length, sha256: hex(body), key: uploadKey(ALICE, s.uploadId) });
    const got = await fetch((await presignDownload(v.key)).url);
    expect(Buffer.from(await got.arrayBuffer()).equals(body)).toBe(true);
  });

  it.each([
    ['a tampered signature', (s: UploadSession) => put(s, body, {}, s.put!.url.replace(/X-Amz-Signature=(.)/, (_, c: string) => `X-Amz-Signature=${c === 'a' ? 'b' : 'a'}`)), 403],
    ['a wrong checksum (other bytes)', (s: UploadSession) => put(s, Buffer.from(body).fill(65, 0, 1)), 400],
    ['a wrong size', (s: UploadSession) => put(s, body.subarray(1)), 403],
    ['a wrong content type', (s: UploadSession) => put(s, body, { 'content-type': 'text/html' }), 403],
    ['a checksum header of other bytes', (s: UploadSession) => put(s, body, { 'x-amz-checksum-sha256': createHash('sha256').update('x').digest('base64') }), 403],
  ] as const)('refuse %s: nothing stored, the commit check fails', async (_, send, status) => {
    const s = await createUpload(ALICE, { size: body.length, sha256: hex(body), contentType: 'text/markdown' });
    expect((await send(s)).status).toBe(status);
    expect(await stored(ALICE, s)).toBe(false);
    expect((await failure(verifyUpload(ALICE, s.uploadId, { sha256: hex(body), contentType: 'text/markdown' }))).errorType).toBe('InvalidInput');
  });

  it('refuse an expired URL', async () => {
    const s = await createUpload(ALICE, { size: body.length, sha256: hex(body), contentType: 'text/markdown' }, new Date(Date.now() - 3_600_000));
    const res = await put(s, body);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Request has expired');
    expect(await stored(ALICE, s)).toBe(false);
  });

  it("refuse another user's upload at commit, and claims that do not match", async () => {
    const s = await createUpload(ALICE, { size: body.length, sha256: hex(body), contentType: 'text/markdown' });
    expect((await put(s, body)).status).toBe(200);
    expect((await failure(verifyUpload(BOB, s.uploadId, { sha256: hex(body), contentType: 'text/markdown' }))).errorInfo).toMatchObject({ field: 'uploadId' });
    expect((await failure(verifyUpload(ALICE, s.uploadId, { sha256: hex(Buffer.from('x')), contentType: 'text/markdown' }))).errorInfo).toMatchObject({ field: 'sha256' });
    expect((await failure(verifyUpload(ALICE, s.uploadId, { sha256: hex(body), contentType: 'text/plain' }))).errorInfo).toMatchObject({ field: 'contentType' });
    expect((await failure(verifyUpload(ALICE, '../../etc', { sha256: hex(body), contentType: 'text/plain' }))).errorInfo).toMatchObject({ field: 'uploadId' });
  });

  it('refuse bad declarations', async () => {
    expect((await failure(createUpload(ALICE, { size: -1, sha256: hex(body), contentType: 'text/plain' }))).errorInfo).toMatchObject({ field: 'size' });
    expect((await failure(createUpload(ALICE, { size: 1, sha256: 'ABC', contentType: 'text/plain' }))).errorInfo).toMatchObject({ field: 'sha256' });
    expect((await failure(createUpload(ALICE, { size: 1, sha256: hex(body), contentType: 'nope' }))).errorInfo).toMatchObject({ field: 'contentType' });
    expect((await failure(createUpload(ALICE, { size: 6e12, sha256: hex(body), contentType: 'text/plain' }))).errorType).toBe('TooLarge');
  });
});

describe('multipart sessions', () => {
  it('round-trip 20 MB byte-exact through part URLs, complete and the commit check', async () => {
    const bytes = randomBytes(20 * 1024 * 1024);
    const s = await createUpload(ALICE, { size: bytes.length, sha256: hex(bytes), contentType: 'application/octet-stream', multipart: true });
    expect(s.parts).toHaveLength(3);
    let offset = 0;
    for (const p of s.parts!) {
      const chunk = bytes.subarray(offset, offset + p.size);
      offset += p.size;
      const res = await fetch(p.url, { method: 'PUT', body: chunk, headers: { 'x-amz-checksum-sha256': createHash('sha256').update(chunk).digest('base64') } });
      expect(res.status).toBe(200);
    }
    expect((await failure(completeUpload(BOB, s.uploadId))).errorInfo).toMatchObject({ field: 'uploadId' });
    await completeUpload(ALICE, s.uploadId);
    const v = await verifyUpload(ALICE, s.uploadId, { sha256: hex(bytes), contentType: 'application/octet-stream' });
    expect(v.size).toBe(bytes.length);
    const back = Buffer.from(await (await fetch((await presignDownload(v.key)).url)).arrayBuffer());
    expect(back.equals(bytes)).toBe(true);
  });

  it('refuse a part of another length or without its checksum; abort leaves nothing', async () => {
    const bytes = randomBytes(6 * 1024 * 1024);
    const s = await createUpload(ALICE, { size: bytes.length, sha256: hex(bytes), contentType: 'application/octet-stream', multipart: true });
    const p = s.parts![0]!;
    const chunk = bytes.subarray(0, p.size);
    expect((await fetch(p.url, { method: 'PUT', body: chunk.subarray(1), headers: { 'x-amz-checksum-sha256': createHash('sha256').update(chunk.subarray(1)).digest('base64') } })).status).toBe(403);
    expect((await fetch(p.url, { method: 'PUT', body: chunk })).status).toBe(400);
    expect(await abortUpload(ALICE, s.uploadId)).toBe(true);
    expect((await failure(completeUpload(ALICE, s.uploadId))).errorInfo).toMatchObject({ field: 'uploadId' });
    expect(await stored(ALICE, s)).toBe(false);
  });
});
