import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startStack, gql, type TestStack } from '../../../../test/e2e/harness.ts';
import { s3FixtureApi } from './fixtures/api.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack(s3FixtureApi);
}, 120_000);
afterAll(() => stack?.stop());

it('starts a local S3 for declared buckets, records it, and lets Lambda handlers reach it through the standard SDK environment', async () => {
  const { runtime } = stack;
  expect(runtime.s3?.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(JSON.parse(readFileSync(join(runtime.dataDir, 'runtime.json'), 'utf8')).s3).toBe(runtime.s3!.endpoint);

  const body = 'uploaded through a URL a Lambda handler signed';
  const res = await gql(runtime.graphqlUrl, 'query($k: String!, $b: String!) { uploadUrl(key: $k, body: $b) }', { k: 'notes/a.txt', b: body }, { 'x-api-key': runtime.apiKey! });
  const url = res.body.data?.uploadUrl as string;
  expect(url.startsWith(`${runtime.s3!.endpoint}/uploads/notes/a.txt?`)).toBe(true);
  expect((await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'text/html' } })).status).toBe(403);
  expect((await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'text/plain' } })).status).toBe(200);

  const s3 = new S3Client({ endpoint: runtime.s3!.endpoint, region: 'us-east-1', credentials: runtime.s3!.credentials, forcePathStyle: true });
  const got = await s3.send(new GetObjectCommand({ Bucket: runtime.s3!.bucketName('uploads'), Key: 'notes/a.txt' }));
  expect(await got.Body!.transformToString()).toBe(body);
  const stranger = new S3Client({ endpoint: runtime.s3!.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIAOTHER', secretAccessKey: 'x' }, forcePathStyle: true });
  await expect(stranger.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'notes/a.txt' }))).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
});
