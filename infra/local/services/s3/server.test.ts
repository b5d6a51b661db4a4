import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startTestS3 } from './testing.ts';

let t: Awaited<ReturnType<typeof startTestS3>>;
let s3: S3Client;
beforeAll(async () => {
  t = await startTestS3({ content: {}, strict: { corsAllowedOrigins: ['https://app.example'] } });
  s3 = t.client();
});
afterAll(() => t.stop());

const sha256b64 = (b: Buffer) => createHash('sha256').update(b).digest('base64');
const exists = async (key: string) => (await t.server.store.head('content', key)) !== undefined;
const errorCode = (xml: string) => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];

/** A presigned PUT binding content type, length and SHA-256, as the upload handler issues. */
async function presignedPut(key: string, body: Buffer, contentType: string, opts: { expiresIn?: number; signingDate?: Date } = {}) {
  return getSignedUrl(s3, new PutObjectCommand({ Bucket: 'content', Key: key, ContentType: contentType, ContentLength: body.length, ChecksumSHA256: sha256b64(body) }), {
    expiresIn: opts.expiresIn ?? 60,
    signingDate: opts.signingDate,
    signableHeaders: new Set(['content-type', 'content-length']),
    unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
  });
}

describe('header-signed requests', () => {
  it('round-trips a buffer and a streamed (aws-chunked) body byte-exact', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'content', Key: 'dir/a b.txt', Body: 'hello', ContentType: 'text/plain' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'content', Key: 'dir/a b.txt' }));
    expect(await got.Body!.transformToString()).toBe('hello');
    expect(got.ContentType).toBe('text/plain');

    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const chunks = [bytes.subarray(0, 1_000_000), bytes.subarray(1_000_000, 2_500_000), bytes.subarray(2_500_000)];
    await s3.send(new PutObjectCommand({ Bucket: 'content', Key: 'streamed', Body: Readable.from(chunks), ContentLength: bytes.length }));
    const back = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'content', Key: 'streamed' }))).Body!.transformToByteArray());
    expect(back.equals(bytes)).toBe(true);
    expect((await t.server.store.head('content', 'streamed'))!.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('serves ranges, heads, lists with paging and deletes', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'content', Key: 'r/range', Body: '0123456789' }));
    const part = await s3.send(new GetObjectCommand({ Bucket: 'content', Key: 'r/range', Range: 'bytes=2-4' }));
    expect(await part.Body!.transformToString()).toBe('234');
    expect(part.ContentRange).toBe('bytes 2-4/10');
    const tail = await s3.send(new GetObjectCommand({ Bucket: 'content', Key: 'r/range', Range: 'bytes=-3' }));
    expect(await tail.Body!.transformToString()).toBe('789');
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'content', Key: 'r/range' }))).ContentLength).toBe(10);

    for (const k of ['l/1', 'l/2', 'l/3', 'l/sub/4']) await s3.send(new PutObjectCommand({ Bucket: 'content', Key: k, Body: k }));
    const page1 = await s3.send(new ListObjectsV2Command({ Bucket: 'content', Prefix: 'l/', MaxKeys: 2 }));
    expect(page1.Contents?.map((c) => c.Key)).toEqual(['l/1', 'l/2']);
    expect(page1.IsTruncated).toBe(true);
    const page2 = await s3.send(new ListObjectsV2Command({ Bucket: 'content', Prefix: 'l/', Delimiter: '/', ContinuationToken: page1.NextContinuationToken }));
    expect(page2.Contents?.map((c) => c.Key)).toEqual(['l/3']);
    expect(page2.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['l/sub/']);

    await s3.send(new DeleteObjectCommand({ Bucket: 'content', Key: 'l/1' }));
    await expect(s3.send(new GetObjectCommand({ Bucket: 'content', Key: 'l/1' }))).rejects.toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
  });

  it('refuses unknown keys, wrong secrets, unsigned requests and an unknown bucket', async () => {
    const stranger = t.client({ accessKeyId: 'AKIASTRANGER', secretAccessKey: 'x' });
    await expect(stranger.send(new PutObjectCommand({ Bucket: 'content', Key: 'no1', Body: 'x' }))).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    const wrongSecret = t.client({ accessKeyId: 'AKIALOCALTEST', secretAccessKey: 'guess' });
    await expect(wrongSecret.send(new PutObjectCommand({ Bucket: 'content', Key: 'no2', Body: 'x' }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    const anon = await fetch(`${t.server.endpoint}/content/no3`, { method: 'PUT', body: 'x' });
    expect(anon.status).toBe(403);
    expect(errorCode(await anon.text())).toBe('AccessDenied');
    await expect(s3.send(new PutObjectCommand({ Bucket: 'nope', Key: 'k', Body: 'x' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    expect(await exists('no1')).toBe(false);
    expect(await exists('no2')).toBe(false);
    expect(await exists('no3')).toBe(false);
  });

  it('refuses a body that is not the one signed (x-amz-content-sha256) or a wrong checksum', async () => {
    await expect(s3.send(new PutObjectCommand({ Bucket: 'content', Key: 'badsum', Body: 'abc', ChecksumSHA256: sha256b64(Buffer.from('abd')) }))).rejects.toMatchObject({ name: 'BadDigest' });
    expect(await exists('badsum')).toBe(false);
  });
});

describe('presigned URLs', () => {
  const body = Buffer.from('the bytes the client declared');

  it('accept exactly the declared bytes, type and length', async () => {
    const url = await presignedPut('ok', body, 'text/plain');
    const res = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'text/plain', 'x-amz-checksum-sha256': sha256b64(body) } });
    expect(res.status).toBe(200);
    const get = await fetch(await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'content', Key: 'ok' }), { expiresIn: 60 }));
    expect(Buffer.from(await get.arrayBuffer()).equals(body)).toBe(true);
  });

  it.each([
    ['a tampered signature', (u: string) => u.replace(/X-Amz-Signature=([0-9a-f])/, (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`), {}, 403, 'SignatureDoesNotMatch'],
    ['another key than signed', (u: string) => u.replace('/content/victim', '/content/other'), {}, 403, 'SignatureDoesNotMatch'],
    ['a wrong content type', (u: string) => u, { 'content-type': 'text/html' }, 403, 'SignatureDoesNotMatch'],
    ['a wrong checksum header', (u: string) => u, { 'x-amz-checksum-sha256': sha256b64(Buffer.from('other')) }, 403, 'SignatureDoesNotMatch'],
    ['a missing checksum header', (u: string) => u, { 'x-amz-checksum-sha256': undefined }, 403, 'SignatureDoesNotMatch'],
  ] as const)('refuse %s, storing nothing', async (_, mutate, headerChange, status, code) => {
    const url = mutate(await presignedPut('victim', body, 'text/plain'));
    const headers: Record<string, string> = { 'content-type': 'text/plain', 'x-amz-checksum-sha256': sha256b64(body) };
    for (const [k, v] of Object.entries(headerChange)) {
      if (v === undefined) delete headers[k];
      else headers[k] = v;
    }
    const res = await fetch(url, { method: 'PUT', body, headers });
    expect(res.status).toBe(status);
    expect(errorCode(await res.text())).toBe(code);
    expect(await exists('victim')).toBe(false);
    expect(await exists('other')).toBe(false);
  });

  it('refuse other bytes than the signed checksum (BadDigest) and another size (signed length)', async () => {
    const url = await presignedPut('victim', body, 'text/plain');
    const forged = Buffer.from(body);
    forged[0] = forged[0]! ^ 1;
    let res = await fetch(url, { method: 'PUT', body: forged, headers: { 'content-type': 'text/plain', 'x-amz-checksum-sha256': sha256b64(body) } });
    expect(res.status).toBe(400);
    expect(errorCode(await res.text())).toBe('BadDigest');
    res = await fetch(url, { method: 'PUT', body: Buffer.concat([body, Buffer.from('!')]), headers: { 'content-type': 'text/plain', 'x-amz-checksum-sha256': sha256b64(body) } });
    expect(res.status).toBe(403);
    expect(errorCode(await res.text())).toBe('SignatureDoesNotMatch');
    expect(await exists('victim')).toBe(false);
    expect(readdirSync(join(t.dir, 'tmp'))).toEqual([]);
  });

  it('refuse an expired URL', async () => {
    const url = await presignedPut('late', body, 'text/plain', { expiresIn: 60, signingDate: new Date(Date.now() - 120_000) });
    const res = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'text/plain', 'x-amz-checksum-sha256': sha256b64(body) } });
    expect(res.status).toBe(403);
    const xml = await res.text();
    expect(errorCode(xml)).toBe('AccessDenied');
    expect(xml).toContain('Request has expired');
    expect(await exists('late')).toBe(false);
  });
});

describe('multipart uploads', () => {
  it('round-trip 20 MB byte-exact with composite SHA-256 checksums', async () => {
    const bytes = randomBytes(20 * 1024 * 1024);
    const partSize = 8 * 1024 * 1024;
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'content', Key: 'big', ChecksumAlgorithm: 'SHA256', ContentType: 'application/octet-stream' }));
    const parts = [];
    for (let i = 0, n = 1; i < bytes.length; i += partSize, n++) {
      const chunk = bytes.subarray(i, i + partSize);
      const up = await s3.send(new UploadPartCommand({ Bucket: 'content', Key: 'big', UploadId, PartNumber: n, Body: chunk, ChecksumSHA256: sha256b64(chunk) }));
      parts.push({ PartNumber: n, ETag: up.ETag, ChecksumSHA256: up.ChecksumSHA256 });
    }
    const listed = await s3.send(new ListPartsCommand({ Bucket: 'content', Key: 'big', UploadId }));
    expect(listed.Parts?.map((p) => p.ChecksumSHA256)).toEqual(parts.map((p) => p.ChecksumSHA256));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'content', Key: 'big', UploadId, MultipartUpload: { Parts: parts } }));
    const composite = createHash('sha256')
      .update(Buffer.concat(parts.map((p) => Buffer.from(p.ChecksumSHA256!, 'base64'))))
      .digest('base64');
    expect(done.ChecksumSHA256).toBe(`${composite}-3`);
    const back = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'content', Key: 'big' }))).Body!.transformToByteArray());
    expect(back.equals(bytes)).toBe(true);
    await expect(s3.send(new ListPartsCommand({ Bucket: 'content', Key: 'big', UploadId }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });

  it('refuse small middle parts, unknown parts, wrong part checksums, and aborted uploads', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'content', Key: 'mp', ChecksumAlgorithm: 'SHA256' }));
    const a = Buffer.from('small part');
    await expect(s3.send(new UploadPartCommand({ Bucket: 'content', Key: 'mp', UploadId, PartNumber: 1, Body: a, ChecksumSHA256: sha256b64(Buffer.from('x')) }))).rejects.toMatchObject({
      name: 'BadDigest',
    });
    const p1 = await s3.send(new UploadPartCommand({ Bucket: 'content', Key: 'mp', UploadId, PartNumber: 1, Body: a, ChecksumSHA256: sha256b64(a) }));
    const p2 = await s3.send(new UploadPartCommand({ Bucket: 'content', Key: 'mp', UploadId, PartNumber: 2, Body: a, ChecksumSHA256: sha256b64(a) }));
    const complete = (Parts: Array<{ PartNumber: number; ETag?: string; ChecksumSHA256?: string }>) =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket: 'content', Key: 'mp', UploadId, MultipartUpload: { Parts } }));
    await expect(
      complete([
        { PartNumber: 1, ETag: p1.ETag },
        { PartNumber: 2, ETag: p2.ETag },
      ]),
    ).rejects.toMatchObject({ name: 'EntityTooSmall' });
    await expect(complete([{ PartNumber: 1, ETag: '"0000"' }])).rejects.toMatchObject({ name: 'InvalidPart' });
    // A part named with another checksum than it was stored with.
    await expect(complete([{ PartNumber: 1, ETag: p1.ETag, ChecksumSHA256: sha256b64(Buffer.from('other')) }])).rejects.toMatchObject({ name: 'InvalidPart' });
    await expect(
      complete([
        { PartNumber: 2, ETag: p2.ETag },
        { PartNumber: 1, ETag: p1.ETag },
      ]),
    ).rejects.toMatchObject({ name: 'InvalidPartOrder' });
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'content', Key: 'mp', UploadId }));
    await expect(complete([{ PartNumber: 1, ETag: p1.ETag }])).rejects.toMatchObject({ name: 'NoSuchUpload' });
    expect(await exists('mp')).toBe(false);
  });
});

describe('CORS', () => {
  it('answers a browser preflight for a presigned PUT and decorates the response', async () => {
    const pre = await fetch(`${t.server.endpoint}/content/x`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type,x-amz-checksum-sha256' },
    });
    expect(pre.status).toBe(200);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(pre.headers.get('access-control-allow-headers')).toBe('content-type, x-amz-checksum-sha256');
    const body = Buffer.from('cors');
    const res = await fetch(await presignedPut('cors', body, 'text/plain'), {
      method: 'PUT',
      body,
      headers: { origin: 'http://localhost:5173', 'content-type': 'text/plain', 'x-amz-checksum-sha256': sha256b64(body) },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-expose-headers')).toBe('ETag');
  });

  it('refuses origins and methods a bucket does not allow', async () => {
    const ask = (origin: string, method: string) => fetch(`${t.server.endpoint}/strict/x`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method } });
    expect((await ask('https://app.example', 'PUT')).status).toBe(200);
    expect((await ask('https://evil.example', 'PUT')).status).toBe(403);
    expect((await ask('https://app.example', 'DELETE')).status).toBe(403);
  });
});
