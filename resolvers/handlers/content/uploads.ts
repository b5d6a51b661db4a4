/**
 * Upload sessions. A client declares size, SHA-256 and content type; it gets either one presigned
 * PUT that binds all three (S3 refuses any other bytes, length or type), or a multipart upload
 * whose part URLs bind each part's length and, when the client declared them (required above
 * wholeHashMax()), each part's SHA-256 (S3 refuses other bytes for that part). The upload records
 * the declared whole-object values and how its SHA-256 is known (see limits.ts WHOLE_HASH_MAX).
 * A commit names the session; `verifyUpload` checks it is the caller's, finished, and matches what
 * the commit claims.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ContentError, invalid, tooLarge } from './errors.ts';
import { isSessionId, newSessionId, uploadKey } from './keys.ts';
import { DOWNLOAD_URL_SECONDS, MAX_OBJECT_SIZE, MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, SINGLE_PUT_MAX, UPLOAD_URL_SECONDS, partSizeFor, wholeHashMax } from './limits.ts';
import { contentBucket, s3 } from './s3.ts';
import type { VerifiedUpload } from '../../lib/content.ts';
import { UPLOAD_TAG } from '../../lib/limits.ts';

export interface CreateUploadInput {
  size: number;
  /** Lowercase hex SHA-256 of the whole content. */
  sha256: string;
  contentType: string;
  /** Ask for multipart below SINGLE_PUT_MAX too (resumable, parallel parts); content must not be empty. */
  multipart?: boolean;
  /** Multipart: the size of every part but the last (default partSizeFor(size)). Ignored for a single PUT. */
  partSize?: number | null;
  /**
   * Multipart: each part's lowercase hex SHA-256, in order; each is bound into its part URL.
   * Required above wholeHashMax(), where the whole SHA-256 cannot be checked.
   */
  partSha256?: string[] | null;
}

export interface PresignedRequest {
  url: string;
  method: 'PUT';
  /** Headers the request must carry exactly (they are signed). */
  headers: Record<string, string>;
}

export interface UploadSession {
  uploadId: string;
  expiresAt: string;
  /** A single PUT, for content up to SINGLE_PUT_MAX. */
  put?: PresignedRequest;
  /**
   * Multipart: every part but the last is `partSize` bytes. A part's `x-amz-checksum-sha256` is one
   * of its signed headers when the client declared the parts' SHA-256; otherwise the client sends it.
   */
  partSize?: number;
  parts?: Array<PresignedRequest & { partNumber: number; size: number }>;
}

/** What verifyUpload returns is what the resolvers stash (one declaration, in the resolvers' lib). */
export type { VerifiedUpload };

const HEX64 = /^[0-9a-f]{64}$/;
/** Every upload is written tagged pending; its first commit re-tags it (usage.ts), and the bucket's lifecycle rule expires the rest. */
export const PENDING_TAGGING = `${UPLOAD_TAG}=pending`;
const CONTENT_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;\s*[\w!#$&^.+-]+=("[^"]*"|[\w!#$&^.+-]+))*$/;
const hexToB64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

/** S3's composite checksum of parts with these SHA-256s (hex): SHA-256 of the concatenated digests, `-<count>`. */
export function compositeSha256(partSha256: string[]): string {
  const joined = Buffer.concat(partSha256.map((h) => Buffer.from(h, 'hex')));
  return `${createHash('sha256').update(joined).digest('base64')}-${partSha256.length}`;
}

/** Whether S3's composite checksum is `declared`: the same digest, and the same part count when S3 states one. */
function sameComposite(got: string | undefined, declared: string): boolean {
  if (!got) return false;
  const [digest, count] = got.split('-');
  const [want, wantCount] = declared.split('-');
  return digest === want && (count === undefined || count === wantCount);
}

function checkInput(input: CreateUploadInput): void {
  if (!Number.isSafeInteger(input.size) || input.size < 0) throw invalid('size', 'must be a non-negative integer');
  if (input.size > MAX_OBJECT_SIZE) throw tooLarge('size', MAX_OBJECT_SIZE, input.size);
  if (!HEX64.test(input.sha256)) throw invalid('sha256', 'must be 64 lowercase hex digits');
  if (input.contentType.length > 255 || !CONTENT_TYPE.test(input.contentType)) throw invalid('contentType', 'must be type/subtype with optional parameters');
}

export async function createUpload(sub: string, input: CreateUploadInput, now = new Date()): Promise<UploadSession> {
  checkInput(input);
  const uploadId = newSessionId();
  const Key = uploadKey(sub, uploadId);
  const Bucket = contentBucket();
  const expiresAt = new Date(now.getTime() + UPLOAD_URL_SECONDS * 1000).toISOString();
  const sign = { expiresIn: UPLOAD_URL_SECONDS, signingDate: now };

  if (input.multipart && input.size === 0) throw invalid('size', 'a multipart upload needs content');
  if (input.size <= SINGLE_PUT_MAX && !input.multipart) {
    const checksum = hexToB64(input.sha256);
    const url = await getSignedUrl(
      s3(),
      new PutObjectCommand({ Bucket, Key, ContentType: input.contentType, ContentLength: input.size, ChecksumSHA256: checksum, Metadata: { sha256: input.sha256 }, Tagging: PENDING_TAGGING }),
      // Type and length are signed headers; the checksum header is kept out of the query so
      // the client must send it and S3 checks the body against it. So is the pending tag: an
      // upload without it would never expire uncommitted.
      {
        ...sign,
        signableHeaders: new Set(['content-type', 'content-length']),
        unhoistableHeaders: new Set(['x-amz-checksum-sha256', 'x-amz-meta-sha256', 'x-amz-tagging']),
      },
    );
    return {
      uploadId,
      expiresAt,
      put: { url, method: 'PUT', headers: { 'content-type': input.contentType, 'x-amz-checksum-sha256': checksum, 'x-amz-meta-sha256': input.sha256, 'x-amz-tagging': PENDING_TAGGING } },
    };
  }

  const partSize = input.partSize ?? partSizeFor(input.size);
  if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
    throw invalid('partSize', `must be an integer from ${MIN_PART_SIZE} to ${MAX_PART_SIZE}`);
  }
  const count = Math.ceil(input.size / partSize);
  if (count > MAX_PARTS) {
    if (input.partSize != null) throw invalid('partSize', `makes ${count} parts; S3 allows ${MAX_PARTS}`);
    throw tooLarge('size', MAX_PARTS * partSize, input.size);
  }
  const declared = input.size > wholeHashMax();
  const partSha256 = input.partSha256 ?? undefined;
  if (partSha256) {
    if (partSha256.length !== count) throw invalid('partSha256', `must list the SHA-256 of each of the ${count} parts of ${partSize} bytes`);
    if (!partSha256.every((h) => HEX64.test(h))) throw invalid('partSha256', 'each must be 64 lowercase hex digits');
  } else if (declared) {
    throw invalid('partSha256', `is required above ${wholeHashMax()} bytes, where the whole SHA-256 is not read back`);
  }
  // What completeUpload and verifyUpload check against: the declared size, and the declared parts' composite.
  const Metadata: Record<string, string> = { sha256: input.sha256, size: String(input.size), 'sha256-check': declared ? 'DECLARED' : 'READ_BACK' };
  if (partSha256) Metadata['parts-sha256'] = compositeSha256(partSha256);
  const created = await s3().send(new CreateMultipartUploadCommand({ Bucket, Key, ContentType: input.contentType, ChecksumAlgorithm: 'SHA256', Metadata, Tagging: PENDING_TAGGING }));
  const parts = [];
  for (let n = 1; n <= count; n++) {
    const size = n < count ? partSize : input.size - partSize * (count - 1);
    const checksum = partSha256 ? hexToB64(partSha256[n - 1]!) : undefined;
    // As for a single PUT: the length is signed, and the part's checksum stays a signed header (not
    // hoisted into the query), so S3 checks the body against it and no other checksum can be sent.
    const url = await getSignedUrl(s3(), new UploadPartCommand({ Bucket, Key, UploadId: created.UploadId, PartNumber: n, ContentLength: size, ChecksumSHA256: checksum }), {
      ...sign,
      signableHeaders: new Set(['content-length']),
      unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
    });
    parts.push({ partNumber: n, size, url, method: 'PUT' as const, headers: checksum ? { 'x-amz-checksum-sha256': checksum } : {} });
  }
  // The S3 upload id travels inside our session id's record: the object's key names the session.
  return { uploadId: `${uploadId}.${created.UploadId}`, expiresAt, partSize, parts };
}

function parseRef(sub: string, ref: string): { sessionId: string; key: string; s3UploadId?: string } {
  const dot = ref.indexOf('.');
  const sessionId = dot < 0 ? ref : ref.slice(0, dot);
  if (!isSessionId(sessionId)) throw invalid('uploadId', 'is not an upload reference');
  return { sessionId, key: uploadKey(sub, sessionId), s3UploadId: dot < 0 ? undefined : ref.slice(dot + 1) };
}

/** Every part S3 holds for the upload (ListParts pages 1,000 at a time). */
async function listParts(Bucket: string, Key: string, UploadId: string) {
  const parts: Array<{ PartNumber?: number; ETag?: string; ChecksumSHA256?: string }> = [];
  let PartNumberMarker: string | undefined;
  for (;;) {
    const page = await s3()
      .send(new ListPartsCommand({ Bucket, Key, UploadId, PartNumberMarker }))
      .catch((e: unknown) => {
        // Someone else's (or a made-up) upload id under this caller's key does not exist.
        if ((e as { name?: string }).name === 'NoSuchUpload') throw invalid('uploadId', 'no such upload in progress');
        throw e;
      });
    for (const p of page.Parts ?? []) parts.push({ PartNumber: p.PartNumber, ETag: p.ETag, ChecksumSHA256: p.ChecksumSHA256 });
    if (!page.IsTruncated || page.NextPartNumberMarker === undefined) return parts;
    PartNumberMarker = page.NextPartNumberMarker;
  }
}

/**
 * What a completed multipart object must be: the declared size, the composite checksum of the
 * declared parts (when they were declared; S3 computed it from the parts it checked), and — for a
 * READ_BACK upload — the declared whole SHA-256, read back. On any mismatch the object is deleted,
 * so a commit can never name it. A DECLARED upload's whole SHA-256 stays the writer's declaration.
 */
async function checkCompleted(Bucket: string, Key: string): Promise<void> {
  const head = await s3().send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
  const meta = head.Metadata ?? {};
  const discard = async (field: string, reason: string) => {
    await s3().send(new DeleteObjectCommand({ Bucket, Key }));
    return invalid(field, `${reason}; the upload was discarded`);
  };
  if (meta.size !== String(head.ContentLength)) throw await discard('size', `the uploaded parts hold ${head.ContentLength} bytes, not the declared ${meta.size}`);
  if (meta['parts-sha256'] !== undefined && !sameComposite(head.ChecksumSHA256, meta['parts-sha256'])) {
    throw await discard('partSha256', 'the uploaded parts are not the declared ones');
  }
  if (meta['sha256-check'] === 'DECLARED') {
    if (meta['parts-sha256'] === undefined) throw await discard('partSha256', 'an upload above the read-back limit declares its parts');
    return;
  }
  // READ_BACK: createUpload chose it because the size fits the Lambda's budget.
  if ((head.ContentLength ?? 0) > wholeHashMax()) throw await discard('size', `is above the read-back limit of ${wholeHashMax()} bytes`);
  const got = await s3().send(new GetObjectCommand({ Bucket, Key }));
  const hash = createHash('sha256');
  for await (const chunk of got.Body as Readable) hash.update(chunk as Buffer);
  if (hash.digest('hex') !== meta.sha256) throw await discard('sha256', 'the uploaded parts do not add up to the declared SHA-256');
}

/**
 * Multipart only: completes the upload from the parts S3 holds, passing each part's checksum (S3
 * checks them and computes the composite), then checks the object (checkCompleted).
 */
export async function completeUpload(sub: string, ref: string): Promise<{ uploadId: string }> {
  const { key, s3UploadId, sessionId } = parseRef(sub, ref);
  if (!s3UploadId) throw invalid('uploadId', 'names a single-PUT upload; nothing to complete');
  const Bucket = contentBucket();
  const parts = await listParts(Bucket, key, s3UploadId);
  if (parts.length === 0) throw invalid('uploadId', 'no parts were uploaded');
  // A gap is a part not (yet) uploaded: refuse before completing, so the client can still send it.
  const gap = parts.findIndex((p, i) => p.PartNumber !== i + 1);
  if (gap >= 0) throw invalid('uploadId', `part ${gap + 1} was not uploaded`);
  await s3().send(new CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId: s3UploadId, MultipartUpload: { Parts: parts } }));
  await checkCompleted(Bucket, key);
  return { uploadId: sessionId };
}

export async function abortUpload(sub: string, ref: string): Promise<boolean> {
  const { key, s3UploadId } = parseRef(sub, ref);
  if (!s3UploadId) return false;
  await s3()
    .send(new AbortMultipartUploadCommand({ Bucket: contentBucket(), Key: key, UploadId: s3UploadId }))
    .catch(() => undefined);
  return true;
}

/**
 * The commit's check: the session is the caller's (its key is under the caller's sub), the object
 * exists, and its size, SHA-256 and content type are the ones the commit claims.
 */
export async function verifyUpload(sub: string, ref: string, claim: { sha256: string; contentType?: string | null }): Promise<VerifiedUpload> {
  const { key, sessionId } = parseRef(sub, ref.split('.')[0] ?? '');
  const head = await s3()
    .send(new HeadObjectCommand({ Bucket: contentBucket(), Key: key, ChecksumMode: 'ENABLED' }))
    .catch((e: unknown) => {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      // Another user's session id is simply not found under this caller's prefix.
      if (status === 404) throw noSuchUpload(sessionId);
      throw e;
    });
  const meta = head.Metadata ?? {};
  if (!meta.sha256 || meta.sha256 !== claim.sha256) throw invalid('sha256', 'does not match the uploaded content');
  // A single PUT's checksum is S3's own. A multipart object's whole SHA-256 is the one declared when
  // the session was created: completeUpload read it back (READ_BACK) or, above the read-back limit,
  // it is the writer's declaration (DECLARED) over parts S3 checked. Size and composite are checked
  // again here: the object exists from CompleteMultipartUpload on, before completeUpload's checks end.
  if (head.ChecksumType !== 'COMPOSITE' && head.ChecksumSHA256 !== hexToB64(claim.sha256)) throw invalid('sha256', 'does not match the uploaded content');
  if (head.ChecksumType === 'COMPOSITE') {
    if (meta.size !== String(head.ContentLength)) throw invalid('uploadId', 'the upload is not the size declared');
    if (meta['parts-sha256'] !== undefined && !sameComposite(head.ChecksumSHA256, meta['parts-sha256'])) throw invalid('uploadId', 'the uploaded parts are not the declared ones');
    if (meta['sha256-check'] === 'DECLARED' && meta['parts-sha256'] === undefined) throw invalid('uploadId', 'the upload does not declare its parts');
  }
  // Without a claim (a modify keeping the file's type) the caller compares the type returned.
  if (claim.contentType && head.ContentType !== claim.contentType) throw invalid('contentType', 'does not match the uploaded content');
  return { uploadId: sessionId, key, size: head.ContentLength ?? 0, sha256: claim.sha256, contentType: head.ContentType ?? '' };
}

const noSuchUpload = (sessionId: string): ContentError => {
  const e = invalid('uploadId', 'no finished upload of the caller has this id');
  e.failure.errorInfo.uploadId = sessionId;
  return e;
};

export async function presignDownload(key: string, now = new Date()): Promise<{ url: string; expiresAt: string }> {
  const url = await getSignedUrl(s3(), new GetObjectCommand({ Bucket: contentBucket(), Key: key }), { expiresIn: DOWNLOAD_URL_SECONDS, signingDate: now });
  return { url, expiresAt: new Date(now.getTime() + DOWNLOAD_URL_SECONDS * 1000).toISOString() };
}
