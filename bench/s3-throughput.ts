/**
 * Local S3 throughput: upload (SDK PutObject, presigned PUT, SDK streamed/aws-chunked) and download
 * (SDK GetObject, presigned GET) of the same bytes, beside a plain file copy of those bytes on the
 * same disk in the same run — the floor the emulator's hashing, signing and atomic rename add to.
 * Run: npx tsx bench/s3-throughput.ts [MiB] [rounds]
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startTestS3 } from '../infra/local/services/s3/testing.ts';

const MIB = Number(process.argv[2] ?? 64);
const ROUNDS = Number(process.argv[3] ?? 5);
const bytes = randomBytes(MIB * 1024 * 1024);
const sha = createHash('sha256').update(bytes).digest('base64');
const t = await startTestS3();
const s3 = t.client();
const src = join(t.dir, 'bench-src');
await writeFile(src, bytes);

async function best(fn: (i: number) => Promise<void>): Promise<number> {
  await fn(-1); // warm-up
  let min = Infinity;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await fn(i);
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

const results: Array<[string, number]> = [];
results.push(['file copy (baseline)', await best(async (i) => copyFile(src, join(t.dir, `copy-${i}`)))]);
results.push(['SDK PutObject (buffer)', await best(async (i) => void (await s3.send(new PutObjectCommand({ Bucket: 'content', Key: `put-${i}`, Body: bytes }))))]);
results.push([
  'SDK PutObject (stream, aws-chunked)',
  await best(async (i) => void (await s3.send(new PutObjectCommand({ Bucket: 'content', Key: `stream-${i}`, Body: Readable.from([bytes]), ContentLength: bytes.length })))),
]);
results.push([
  'presigned PUT (SHA-256 bound)',
  await best(async (i) => {
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'content', Key: `pre-${i}`, ContentLength: bytes.length, ChecksumSHA256: sha }), {
      expiresIn: 60,
      signableHeaders: new Set(['content-length']),
      unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
    });
    const res = await fetch(url, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'x-amz-checksum-sha256': sha } });
    if (res.status !== 200) throw new Error(await res.text());
  }),
]);
results.push(['SDK GetObject', await best(async () => void (await (await s3.send(new GetObjectCommand({ Bucket: 'content', Key: 'put-0' }))).Body!.transformToByteArray()))]);
results.push([
  'presigned GET',
  await best(async () => {
    const res = await fetch(await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'content', Key: 'put-0' }), { expiresIn: 60 }));
    await res.arrayBuffer();
  }),
]);

const base = results[0]![1];
console.log(`${MIB} MiB, best of ${ROUNDS}`);
for (const [name, msBest] of results) {
  console.log(`${name.padEnd(38)} ${msBest.toFixed(1).padStart(8)} ms  ${((MIB / msBest) * 1000).toFixed(0).padStart(6)} MiB/s  ${(msBest / base).toFixed(1).padStart(5)}x copy`);
}
await rm(src);
await t.stop();
