/**
 * Upload sessions. A client declares size, SHA-256 and content type; it gets either one presigned
 * PUT that binds all three (S3 refuses any other bytes, length or type), or a multipart upload
 * whose part URLs bind each part's length (each part carries its own SHA-256, which S3 checks; the
 * upload records the declared whole-object values). A commit names the session; `verifyUpload`
 * checks it is the caller's, finished, and matches what the commit claims.
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
import { DOWNLOAD_URL_SECONDS, MAX_OBJECT_SIZE, MAX_PARTS, SINGLE_PUT_MAX, UPLOAD_URL_SECONDS, WHOLE_HASH_MAX, partSizeFor } from './limits.ts';
import { contentBucket, s3 } from './s3.ts';
import type { VerifiedUpload } from '../../lib/content.ts';

export interface CreateUploadInput {
  size: number;
  /** Lowercase hex SHA-256 of the whole content. */
  sha256: string;
  contentType: string;
  /** Ask for multipart below SINGLE_PUT_MAX too (resumable, parallel parts); content must not be empty. */
  multipart?: boolean;
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
  /** Multipart: every part but the last is `partSize` bytes; each part also sends its own `x-amz-checksum-sha256`. */
  partSize?: number;
  parts?: Array<PresignedRequest & { partNumber: number; size: number }>;
}

/** What verifyUpload returns is what the resolvers stash (one declaration, in the resolvers' lib). */
export type { VerifiedUpload };

const HEX64 = /^[0-9a-f]{64}$/;
const CONTENT_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;\s*[\w!#$&^.+-]+=("[^"]*"|[\w!#$&^.+-]+))*$/;
const hexToB64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

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
      new PutObjectCommand({ Bucket, Key, ContentType: input.contentType, ContentLength: input.size, ChecksumSHA256: checksum, Metadata: { sha256: input.sha256 } }),
      // Type and length are signed headers; the checksum header is kept out of the query so
      // the client must send it and S3 checks the body against it.
      { ...sign, signableHeaders: new Set(['content-type', 'content-length']), unhoistableHeaders: new Set(['x-amz-checksum-sha256', 'x-amz-meta-sha256']) },
    );
    return {
      uploadId,
      expiresAt,
      put: { url, method: 'PUT', headers: { 'content-type': input.contentType, 'x-amz-checksum-sha256': checksum, 'x-amz-meta-sha256': input.sha256 } },
    };
  }

  const partSize = partSizeFor(input.size);
  const count = Math.ceil(input.size / partSize);
  if (count > MAX_PARTS) throw tooLarge('size', MAX_PARTS * partSize, input.size);
  const created = await s3().send(
    new CreateMultipartUploadCommand({ Bucket, Key, ContentType: input.contentType, ChecksumAlgorithm: 'SHA256', Metadata: { sha256: input.sha256, size: String(input.size) } }),
  );
  const parts = [];
  for (let n = 1; n <= count; n++) {
    const size = n < count ? partSize : input.size - partSize * (count - 1);
    const url = await getSignedUrl(s3(), new UploadPartCommand({ Bucket, Key, UploadId: created.UploadId, PartNumber: n, ContentLength: size }), {
      ...sign,
      signableHeaders: new Set(['content-length']),
    });
    parts.push({ partNumber: n, size, url, method: 'PUT' as const, headers: {} });
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

/**
 * S3 checked each part against its own SHA-256, but the whole content's SHA-256 was only declared:
 * read the object back and compare, discarding it on a mismatch (so a commit can never name it).
 * Above WHOLE_HASH_MAX (what fits the Lambda's timeout, see limits.ts) the per-part checksums are what holds.
 */
async function checkWholeSha256(Bucket: string, Key: string): Promise<void> {
  const got = await s3().send(new GetObjectCommand({ Bucket, Key }));
  const declared = got.Metadata?.sha256;
  if ((got.ContentLength ?? 0) > WHOLE_HASH_MAX) {
    await (got.Body as Readable | undefined)?.destroy();
    return;
  }
  const hash = createHash('sha256');
  for await (const chunk of got.Body as Readable) hash.update(chunk as Buffer);
  if (hash.digest('hex') !== declared) {
    await s3().send(new DeleteObjectCommand({ Bucket, Key }));
    throw invalid('sha256', 'the uploaded parts do not add up to the declared SHA-256; the upload was discarded');
  }
}

/** Multipart only: completes the upload from the parts S3 holds (each checked against its SHA-256). */
export async function completeUpload(sub: string, ref: string): Promise<{ uploadId: string }> {
  const { key, s3UploadId, sessionId } = parseRef(sub, ref);
  if (!s3UploadId) throw invalid('uploadId', 'names a single-PUT upload; nothing to complete');
  const Bucket = contentBucket();
  const listed = await s3()
    .send(new ListPartsCommand({ Bucket, Key: key, UploadId: s3UploadId }))
    .catch((e: unknown) => {
      // Someone else's (or a made-up) upload id under this caller's key does not exist.
      if ((e as { name?: string }).name === 'NoSuchUpload') throw invalid('uploadId', 'no such upload in progress');
      throw e;
    });
  const parts = (listed.Parts ?? []).map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag, ChecksumSHA256: p.ChecksumSHA256 }));
  if (parts.length === 0) throw invalid('uploadId', 'no parts were uploaded');
  await s3().send(new CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId: s3UploadId, MultipartUpload: { Parts: parts } }));
  await checkWholeSha256(Bucket, key);
  return { uploadId: sessionId };
}

export async function abortUpload(sub: string, ref: string): Promise<boolean> {
  const { key, s3UploadId } = parseRef(sub, ref);
  if (!s3UploadId) return false;
  await s3().send(new AbortMultipartUploadCommand({ Bucket: contentBucket(), Key: key, UploadId: s3UploadId })).catch(() => undefined);
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
  const declared = head.Metadata?.sha256;
  if (!declared || declared !== claim.sha256) throw invalid('sha256', 'does not match the uploaded content');
  // A single PUT's checksum is S3's own; a multipart object's parts were each checked by S3 and
  // its whole-object SHA-256 is the one declared when the session was created.
  if (head.ChecksumType !== 'COMPOSITE' && head.ChecksumSHA256 !== hexToB64(claim.sha256)) throw invalid('sha256', 'does not match the uploaded content');
  if (head.ChecksumType === 'COMPOSITE' && head.Metadata?.size !== String(head.ContentLength)) throw invalid('uploadId', 'the upload is not the size declared');
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

