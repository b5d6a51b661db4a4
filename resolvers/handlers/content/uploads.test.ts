import { createHash, randomBytes } from 'node:crypto';
import { UploadPartCommand } from '@aws-sdk/client-s3';
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
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
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
    [
      'a tampered signature',
      (s: UploadSession) =>
        put(
          s,
          body,
          {},
          s.put!.url.replace(/X-Amz-Signature=(.)/, (_, c: string) => `X-Amz-Signature=${c === 'a' ? 'b' : 'a'}`),
        ),
      403,
    ],
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

describe('multipart above the read-back limit (CONTENT_WHOLE_HASH_MAX): parts bound, whole SHA-256 declared', () => {
  const LIMIT = 10 * 1024 * 1024;
  beforeAll(() => {
    process.env.CONTENT_WHOLE_HASH_MAX = String(LIMIT);
  });
  afterAll(() => {
    delete process.env.CONTENT_WHOLE_HASH_MAX;
  });
  const PART = 8 * 1024 * 1024;
  const slices = (b: Buffer) => Array.from({ length: Math.ceil(b.length / PART) }, (_, i) => b.subarray(i * PART, (i + 1) * PART));
  const session = (b: Buffer, over: Partial<Parameters<typeof createUpload>[1]> = {}) =>
    createUpload(ALICE, { size: b.length, sha256: hex(b), contentType: 'application/octet-stream', multipart: true, partSha256: slices(b).map(hex), ...over });
  const sendPart = (s: UploadSession, n: number, chunk: Buffer, extra: Record<string, string> = {}) =>
    fetch(s.parts![n]!.url, { method: 'PUT', body: new Uint8Array(chunk), headers: { ...s.parts![n]!.headers, ...extra } });
  const head = (sub: string, s: UploadSession) => t.server.store.head('content', uploadKey(sub, s.uploadId.split('.')[0]!));

  it('bind each part SHA-256 as a signed header; the upload completes, verifies and downloads byte-exact, recorded as DECLARED', async () => {
    const bytes = randomBytes(LIMIT + 1024 * 1024);
    const s = await session(bytes);
    expect(s.parts).toHaveLength(2);
    slices(bytes).forEach((c, i) => expect(s.parts![i]!.headers).toEqual({ 'x-amz-checksum-sha256': createHash('sha256').update(c).digest('base64') }));
    for (const [i, c] of slices(bytes).entries()) expect((await sendPart(s, i, c)).status).toBe(200);
    await completeUpload(ALICE, s.uploadId);
    expect((await head(ALICE, s))?.metadata).toMatchObject({ 'sha256-check': 'DECLARED', sha256: hex(bytes) });
    const v = await verifyUpload(ALICE, s.uploadId, { sha256: hex(bytes), contentType: 'application/octet-stream' });
    expect(v.size).toBe(bytes.length);
    expect(Buffer.from(await (await fetch((await presignDownload(v.key)).url)).arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('refuse a session without one SHA-256 per part, or with a bad part size', async () => {
    const bytes = randomBytes(LIMIT + 1);
    expect((await failure(session(bytes, { partSha256: undefined }))).errorInfo).toMatchObject({ field: 'partSha256' });
    expect((await failure(session(bytes, { partSha256: [hex(bytes)] }))).errorInfo).toMatchObject({ field: 'partSha256' });
    expect((await failure(session(bytes, { partSha256: slices(bytes).map((c) => hex(c).toUpperCase()) }))).errorInfo).toMatchObject({ field: 'partSha256' });
    expect((await failure(session(bytes, { partSize: 1024 }))).errorInfo).toMatchObject({ field: 'partSize' });
    expect((await failure(createUpload(ALICE, { size: 5 * 1024 ** 4, sha256: hex(bytes), contentType: 'text/plain', multipart: true, partSize: 5 * 1024 * 1024 }))).errorInfo).toMatchObject({
      field: 'partSize',
    });
  });

  it('refuse other bytes for a part, or another checksum header: S3 stores no part; completeUpload refuses the gap', async () => {
    const bytes = randomBytes(LIMIT + 1024 * 1024);
    const s = await session(bytes);
    const [first, second] = slices(bytes) as [Buffer, Buffer];
    const other = Buffer.from(first).fill(0, 0, 1);
    expect((await sendPart(s, 0, other)).status).toBe(400); // BadDigest: the bound checksum is not the body's
    expect((await sendPart(s, 0, other, { 'x-amz-checksum-sha256': createHash('sha256').update(other).digest('base64') })).status).toBe(403); // a signed header changed
    expect((await sendPart(s, 1, second)).status).toBe(200);
    expect((await failure(completeUpload(ALICE, s.uploadId))).errorInfo).toMatchObject({ field: 'uploadId', reason: 'part 1 was not uploaded' });
    expect(await stored(ALICE, s)).toBe(false);
    expect(await abortUpload(ALICE, s.uploadId)).toBe(true);
  });

  it('discard an upload missing its last part (the size is not the declared one)', async () => {
    const bytes = randomBytes(LIMIT + 1024 * 1024);
    const s = await session(bytes);
    expect((await sendPart(s, 0, slices(bytes)[0]!)).status).toBe(200);
    expect((await failure(completeUpload(ALICE, s.uploadId))).errorInfo).toMatchObject({ field: 'size' });
    expect(await stored(ALICE, s)).toBe(false);
  });

  it('discard an object whose parts are not the declared ones (a part written around the URLs, with the bucket credentials)', async () => {
    const bytes = randomBytes(LIMIT + 1024 * 1024);
    const s = await session(bytes);
    const [first, second] = slices(bytes) as [Buffer, Buffer];
    expect((await sendPart(s, 0, first)).status).toBe(200);
    const other = Buffer.from(second).fill(0, 0, 1);
    const direct = t.client();
    const [sessionId, s3UploadId] = s.uploadId.split('.') as [string, string];
    await direct.send(
      new UploadPartCommand({
        Bucket: 'content',
        Key: uploadKey(ALICE, sessionId),
        UploadId: s3UploadId,
        PartNumber: 2,
        Body: other,
        ChecksumSHA256: createHash('sha256').update(other).digest('base64'),
      }),
    );
    direct.destroy();
    expect((await failure(completeUpload(ALICE, s.uploadId))).errorInfo).toMatchObject({ field: 'partSha256' });
    expect(await stored(ALICE, s)).toBe(false);
  });

  it('a wrong declared whole SHA-256 over right parts is not caught here: the commit check passes, the bytes do not match it', async () => {
    const bytes = randomBytes(LIMIT + 1024 * 1024);
    const wrong = hex(Buffer.from('not these bytes'));
    const s = await session(bytes, { sha256: wrong });
    for (const [i, c] of slices(bytes).entries()) expect((await sendPart(s, i, c)).status).toBe(200);
    await completeUpload(ALICE, s.uploadId);
    const v = await verifyUpload(ALICE, s.uploadId, { sha256: wrong, contentType: 'application/octet-stream' });
    const back = Buffer.from(await (await fetch((await presignDownload(v.key)).url)).arrayBuffer());
    expect(back.equals(bytes)).toBe(true);
    expect(hex(back)).not.toBe(v.sha256);
  });

  it('below the limit the read-back still refuses a wrong whole SHA-256, with the parts bound', async () => {
    const bytes = randomBytes(6 * 1024 * 1024);
    const s = await session(bytes, { sha256: hex(Buffer.from('other')) });
    expect((await sendPart(s, 0, bytes)).status).toBe(200);
    expect((await failure(completeUpload(ALICE, s.uploadId))).errorInfo).toMatchObject({ field: 'sha256' });
    expect(await stored(ALICE, s)).toBe(false);
  });
});
