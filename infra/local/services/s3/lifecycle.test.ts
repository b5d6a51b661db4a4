import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ExpiryRuleDef } from '../../../wiring/types.ts';
import { sweepExpired } from './lifecycle.ts';
import { startTestS3 } from './testing.ts';

let t: Awaited<ReturnType<typeof startTestS3>>;
let s3: S3Client;
beforeAll(async () => {
  t = await startTestS3({ content: {} });
  s3 = t.client();
});
afterAll(() => t.stop());

const Bucket = 'content';
const DAY = 24 * 3600 * 1000;
const rule: ExpiryRuleDef = { id: 'expire-pending', prefix: 'uploads/', tags: { upload: 'pending' }, days: 2 };
const tagsOf = async (Key: string) => (await s3.send(new GetObjectTaggingCommand({ Bucket, Key }))).TagSet;
const exists = (Key: string) =>
  s3.send(new HeadObjectCommand({ Bucket, Key })).then(
    () => true,
    (e: { $metadata?: { httpStatusCode?: number } }) => (e.$metadata?.httpStatusCode === 404 ? false : Promise.reject(e as Error)),
  );

describe('object tags', () => {
  it('keeps the x-amz-tagging of a PUT and of a multipart upload, answers GetObjectTagging, replaces them with PutObjectTagging', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'tags/single', Body: 'x', Tagging: 'upload=pending&team=a%20b' }));
    expect(await tagsOf('tags/single')).toEqual([
      { Key: 'upload', Value: 'pending' },
      { Key: 'team', Value: 'a b' },
    ]);
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'tags/single' }))).TagCount).toBe(2);
    await s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'tags/single', Tagging: { TagSet: [{ Key: 'upload', Value: 'committed' }] } }));
    expect(await tagsOf('tags/single')).toEqual([{ Key: 'upload', Value: 'committed' }]);

    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'tags/multi', Tagging: 'upload=pending' }));
    const part = await s3.send(new UploadPartCommand({ Bucket, Key: 'tags/multi', UploadId, PartNumber: 1, Body: 'only part' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'tags/multi', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    expect(await tagsOf('tags/multi')).toEqual([{ Key: 'upload', Value: 'pending' }]);
  });

  it('refuses malformed tagging and tags of a missing object', async () => {
    await expect(s3.send(new PutObjectCommand({ Bucket, Key: 'tags/dup', Body: 'x', Tagging: 'a=1&a=2' }))).rejects.toMatchObject({ name: 'InvalidArgument' });
    expect(await exists('tags/dup')).toBe(false);
    await expect(s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'tags/none' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    await expect(s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'tags/none', Tagging: { TagSet: [] } }))).rejects.toMatchObject({ name: 'NoSuchKey' });
  });
});

describe('expiry rules (sweepExpired)', () => {
  it('deletes only objects under the prefix with every tag of the rule, once the days have passed; a re-tag keeps an object', async () => {
    const put = (Key: string, Tagging?: string) => s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x', Tagging }));
    await put('uploads/u/pending', 'upload=pending');
    await put('uploads/u/committed', 'upload=pending');
    await s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'uploads/u/committed', Tagging: { TagSet: [{ Key: 'upload', Value: 'committed' }] } }));
    await put('uploads/u/untagged');
    await put('snapshots/f/pending', 'upload=pending');
    const now = Date.now();
    expect(await sweepExpired(t.server.store, Bucket, [rule], now + DAY)).toBe(0);
    expect(await sweepExpired(t.server.store, Bucket, [rule], now + 2 * DAY + 1000)).toBe(1);
    expect(await exists('uploads/u/pending')).toBe(false);
    for (const key of ['uploads/u/committed', 'uploads/u/untagged', 'snapshots/f/pending']) expect(await exists(key)).toBe(true);
    expect(await sweepExpired(t.server.store, Bucket, [], now + 100 * DAY)).toBe(0);
  });
});
