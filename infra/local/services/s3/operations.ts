/**
 * The S3 operations themselves, on an authenticated, routed request: each returns the status,
 * headers and body S3 would. Bodies of writes go through `receiveBody`, which checks them against
 * what the signature covers before anything is stored.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { receiveBody } from './body.ts';
import { checksumHeader, parseAlgorithm } from './checksums.ts';
import { s3Errors } from './errors.ts';
import { MAX_PARTS, MAX_PART_SIZE, type MultipartUploads } from './multipart.ts';
import type { Route } from './router.ts';
import { header, type Authenticated } from './sigv4.ts';
import type { ObjectMeta, ObjectStore } from './store.ts';
import { document, parseCompleteMultipartUpload, parseTagging } from './xml.ts';

export const MAX_OBJECT_SIZE = 5 * 1024 * 1024 * 1024;

export interface OpResult {
  status: number;
  headers: Record<string, string>;
  body?: string | { file: string; start: number; end: number };
}

export interface OpContext {
  req: IncomingMessage;
  route: Route;
  auth: Authenticated;
  store: ObjectStore;
  uploads: MultipartUploads;
}

const xml = (body: string, status = 200): OpResult => ({ status, headers: { 'content-type': 'application/xml' }, body });

/** Keys with a conditional write in flight: a second one conflicts, as in S3. */
const inFlight = new WeakMap<object, Set<string>>();

async function claimAbsent(store: OpContext['store'], bucket: string, key: string, tmp: string): Promise<() => void> {
  const id = `${bucket}/${key}`;
  const claimed = inFlight.get(store) ?? new Set<string>();
  inFlight.set(store, claimed);
  const refuse = async (e: Error) => {
    await rm(tmp, { force: true });
    throw e;
  };
  if (claimed.has(id)) await refuse(s3Errors.conditionalConflict());
  if (await store.head(bucket, key)) await refuse(s3Errors.preconditionFailed('If-None-Match'));
  if (claimed.has(id)) await refuse(s3Errors.conditionalConflict());
  claimed.add(id);
  return () => claimed.delete(id);
}

export async function runOperation(c: OpContext): Promise<OpResult> {
  const { route: r, store, uploads, req, auth } = c;
  const h = (n: string) => header(req.headers, n);
  switch (r.operation) {
    case 'HeadBucket':
      return { status: 200, headers: {} };
    case 'PutObject': {
      const tmp = store.tmpPath();
      const body = await receiveBody(req, tmp, { payloadHash: auth.payloadHash, query: r.params, maxBytes: MAX_OBJECT_SIZE });
      // A conditional write (`If-None-Match: *`) creates the object or fails: write-once keys.
      const ifNoneMatch = h('if-none-match');
      if (ifNoneMatch !== undefined && ifNoneMatch !== '*') throw s3Errors.notImplemented('If-None-Match other than *');
      const release = ifNoneMatch === '*' ? await claimAbsent(store, r.bucket, r.key, tmp) : undefined;
      const meta = await store
        .put(r.bucket, r.key, tmp, {
          size: body.size,
          etag: `"${body.md5}"`,
          sha256: body.sha256,
          contentType: h('content-type') ?? 'binary/octet-stream',
          metadata: userMetadata(req),
          ...taggingHeader(h('x-amz-tagging')),
          checksum: body.checksum && { ...body.checksum, type: 'FULL_OBJECT' },
        })
        .finally(release);
      return { status: 200, headers: { etag: meta.etag, ...checksumHeaders(meta, true) } };
    }
    case 'GetObject':
    case 'HeadObject': {
      const meta = await store.head(r.bucket, r.key);
      if (!meta) {
        if (r.operation === 'HeadObject') return { status: 404, headers: {} };
        throw s3Errors.noSuchKey(r.key);
      }
      const headers = objectHeaders(meta, h('x-amz-checksum-mode') === 'ENABLED');
      const range = h('range');
      if (range !== undefined) {
        const span = parseRange(range, meta.size);
        if (span === 'invalid') throw s3Errors.invalidRange(meta.size);
        if (span) {
          const [start, end] = span;
          // A part of an object has no whole-object checksum.
          for (const k of Object.keys(headers)) if (k.startsWith('x-amz-checksum')) delete headers[k];
          Object.assign(headers, { 'content-range': `bytes ${start}-${end}/${meta.size}`, 'content-length': String(end - start + 1) });
          return { status: 206, headers, body: r.operation === 'GetObject' ? { file: store.dataPath(r.bucket, meta), start, end } : undefined };
        }
      }
      return {
        status: 200,
        headers,
        body: r.operation === 'GetObject' && meta.size > 0 ? { file: store.dataPath(r.bucket, meta), start: 0, end: meta.size - 1 } : r.operation === 'GetObject' ? '' : undefined,
      };
    }
    case 'DeleteObject':
      await store.delete(r.bucket, r.key);
      return { status: 204, headers: {} };
    case 'ListObjectsV2':
      return xml(await listObjectsV2(store, r));
    case 'CreateMultipartUpload': {
      const algHeader = h('x-amz-checksum-algorithm');
      const algorithm = parseAlgorithm(algHeader);
      if (algHeader !== undefined && !algorithm) throw s3Errors.invalidArgument('Checksum algorithm provided is unsupported.', 'x-amz-checksum-algorithm', algHeader);
      const upload = await uploads.create({
        bucket: r.bucket,
        key: r.key,
        contentType: h('content-type') ?? 'binary/octet-stream',
        metadata: userMetadata(req),
        ...taggingHeader(h('x-amz-tagging')),
        checksumAlgorithm: algorithm,
        initiator: auth.accessKeyId,
      });
      return {
        ...xml(document('InitiateMultipartUploadResult', { Bucket: r.bucket, Key: r.key, UploadId: upload.uploadId })),
        headers: { 'content-type': 'application/xml', ...(algorithm ? { 'x-amz-checksum-algorithm': algorithm } : {}) },
      };
    }
    case 'UploadPart': {
      const partNumber = Number(r.params.get('partNumber'));
      if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS) {
        throw s3Errors.invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', r.params.get('partNumber'));
      }
      const upload = await uploads.get(r.bucket, r.key, r.params.get('uploadId') ?? '');
      const tmp = store.tmpPath();
      const body = await receiveBody(req, tmp, { payloadHash: auth.payloadHash, query: r.params, maxBytes: MAX_PART_SIZE });
      const part = await uploads.putPart(upload, partNumber, tmp, body);
      const headers: Record<string, string> = { etag: part.etag };
      if (upload.checksumAlgorithm && part.checksum) headers[checksumHeader(upload.checksumAlgorithm)] = part.checksum;
      return { status: 200, headers };
    }
    case 'ListParts': {
      const upload = await uploads.get(r.bucket, r.key, r.params.get('uploadId') ?? '');
      const marker = Number(r.params.get('part-number-marker') ?? 0);
      const max = Math.min(Number(r.params.get('max-parts') ?? 1000), 1000);
      const all = (await uploads.parts(upload)).filter((p) => p.partNumber > marker);
      const page = all.slice(0, max);
      const truncated = all.length > page.length;
      const alg = upload.checksumAlgorithm;
      return xml(
        document('ListPartsResult', {
          Bucket: r.bucket,
          Key: r.key,
          UploadId: upload.uploadId,
          PartNumberMarker: marker,
          NextPartNumberMarker: page.at(-1)?.partNumber ?? marker,
          MaxParts: max,
          IsTruncated: truncated,
          ChecksumAlgorithm: alg,
          Part: page.map((p) => ({
            PartNumber: p.partNumber,
            LastModified: p.lastModified,
            ETag: p.etag,
            Size: p.size,
            ...(alg && p.checksum ? { [`Checksum${alg}`]: p.checksum } : {}),
          })),
        }),
      );
    }
    case 'CompleteMultipartUpload': {
      const upload = await uploads.get(r.bucket, r.key, r.params.get('uploadId') ?? '');
      // 10,000 parts, each with its ETag and checksum, fit well within 16 MiB.
      const text = await readSmallBody(req, 16 * 1024 * 1024, auth.payloadHash);
      const refs = parseCompleteMultipartUpload(text);
      if (!refs) throw s3Errors.malformedXml();
      const meta = await uploads.complete(upload, refs);
      return xml(
        document('CompleteMultipartUploadResult', {
          Location: `/${r.bucket}/${r.key}`,
          Bucket: r.bucket,
          Key: r.key,
          ETag: meta.etag,
          ...(meta.checksum ? { [`Checksum${meta.checksum.algorithm}`]: meta.checksum.value, ChecksumType: meta.checksum.type } : {}),
        }),
      );
    }
    case 'AbortMultipartUpload': {
      const upload = await uploads.get(r.bucket, r.key, r.params.get('uploadId') ?? '');
      await uploads.abort(upload.uploadId);
      return { status: 204, headers: {} };
    }
    case 'GetObjectTagging': {
      const meta = await store.head(r.bucket, r.key);
      if (!meta) throw s3Errors.noSuchKey(r.key);
      return xml(document('Tagging', { TagSet: { Tag: Object.entries(meta.tags ?? {}).map(([Key, Value]) => ({ Key, Value })) } }));
    }
    case 'PutObjectTagging': {
      const tags = parseTagging(await readSmallBody(req, 64 * 1024, auth.payloadHash));
      if (!tags) throw s3Errors.malformedXml();
      checkTags(tags);
      if (!(await store.setTags(r.bucket, r.key, tags))) throw s3Errors.noSuchKey(r.key);
      return { status: 200, headers: {} };
    }
    case 'Preflight':
      throw s3Errors.internal();
  }
}

function objectHeaders(meta: ObjectMeta, withChecksum: boolean): Record<string, string> {
  return {
    'content-type': meta.contentType,
    'content-length': String(meta.size),
    etag: meta.etag,
    'last-modified': new Date(meta.lastModified).toUTCString(),
    'accept-ranges': 'bytes',
    ...(meta.partsCount ? { 'x-amz-mp-parts-count': String(meta.partsCount) } : {}),
    ...(meta.tags && Object.keys(meta.tags).length > 0 ? { 'x-amz-tagging-count': String(Object.keys(meta.tags).length) } : {}),
    ...Object.fromEntries(Object.entries(meta.metadata).map(([k, v]) => [`x-amz-meta-${k}`, v])),
    ...checksumHeaders(meta, withChecksum),
  };
}

function checksumHeaders(meta: ObjectMeta, include: boolean): Record<string, string> {
  if (!include || !meta.checksum) return {};
  return { [checksumHeader(meta.checksum.algorithm)]: meta.checksum.value, 'x-amz-checksum-type': meta.checksum.type };
}

/** The `x-amz-tagging` header (a URL-encoded query string, as S3 takes it) as stored tags. */
function taggingHeader(value: string | undefined): { tags?: Record<string, string> } {
  if (value === undefined) return {};
  const tags: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(value)) {
    if (Object.hasOwn(tags, k)) throw s3Errors.invalidArgument('Cannot provide multiple Tags with the same key', 'x-amz-tagging', value);
    tags[k] = v;
  }
  checkTags(tags);
  return { tags };
}

/** S3's tag limits: at most 10, keys 1..128 and values up to 256 characters. */
function checkTags(tags: Record<string, string>): void {
  const entries = Object.entries(tags);
  if (entries.length > 10) throw s3Errors.invalidArgument('Object tags cannot be greater than 10', 'x-amz-tagging', String(entries.length));
  for (const [k, v] of entries) if (k.length === 0 || k.length > 128 || v.length > 256) throw s3Errors.invalidArgument('The TagKey or TagValue you have provided is invalid', 'x-amz-tagging', k);
}

function userMetadata(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('x-amz-meta-') && v !== undefined) out[k.slice(11)] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`; one range only. Null means "ignore, send it all". */
function parseRange(value: string, size: number): [number, number] | null | 'invalid' {
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'invalid';
    return [Math.max(0, size - n), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size) return 'invalid';
  if (end < start) return null;
  return [start, end];
}

async function listObjectsV2(store: ObjectStore, r: Route): Promise<string> {
  const p = r.params;
  const prefix = p.get('prefix') ?? '';
  const delimiter = p.get('delimiter') || undefined;
  const maxKeys = Math.min(Number(p.get('max-keys') ?? 1000), 1000);
  const token = p.get('continuation-token');
  const after = token !== undefined ? Buffer.from(token, 'base64url').toString('utf8') : (p.get('start-after') ?? '');
  const contents: ObjectMeta[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let last = '';
  for (const meta of await store.list(r.bucket)) {
    if (!meta.key.startsWith(prefix) || (after && Buffer.compare(Buffer.from(meta.key), Buffer.from(after)) <= 0)) continue;
    let entry: string | ObjectMeta = meta;
    if (delimiter) {
      const i = meta.key.indexOf(delimiter, prefix.length);
      if (i >= 0) entry = meta.key.slice(0, i + delimiter.length);
    }
    if (typeof entry === 'string' && prefixes.at(-1) === entry) continue;
    if (contents.length + prefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (typeof entry === 'string') {
      prefixes.push(entry);
      last = entry + '\u{10FFFF}';
    } else {
      contents.push(entry);
      last = entry.key;
    }
  }
  return document('ListBucketResult', {
    Name: r.bucket,
    Prefix: prefix,
    Delimiter: delimiter,
    MaxKeys: maxKeys,
    KeyCount: contents.length + prefixes.length,
    IsTruncated: truncated,
    ContinuationToken: token,
    NextContinuationToken: truncated ? Buffer.from(last).toString('base64url') : undefined,
    StartAfter: p.get('start-after'),
    Contents: contents.map((m) => ({ Key: m.key, LastModified: m.lastModified, ETag: m.etag, Size: m.size, StorageClass: 'STANDARD', ChecksumAlgorithm: m.checksum?.algorithm })),
    CommonPrefixes: prefixes.map((Prefix) => ({ Prefix })),
  });
}

async function readSmallBody(req: IncomingMessage, max: number, payloadHash: string): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) throw s3Errors.malformedXml();
    chunks.push(c);
  }
  const body = Buffer.concat(chunks);
  if (/^[0-9a-f]{64}$/.test(payloadHash)) {
    const actual = createHash('sha256').update(body).digest('hex');
    if (actual !== payloadHash) throw s3Errors.contentSha256Mismatch(payloadHash, actual);
  }
  return body.toString('utf8');
}
