/** S3's own limits and the upload policy built on them. */
export const MIB = 1024 * 1024;
/** Above this, an upload is multipart (S3 allows a single PUT up to 5 GiB; smaller parts retry cheaply). */
export const SINGLE_PUT_MAX = 64 * MIB;
export const MIN_PART_SIZE = 5 * MIB;
export const DEFAULT_PART_SIZE = 8 * MIB;
export const MAX_PART_SIZE = 5 * 1024 * MIB;
export const MAX_PARTS = 10_000;
/** S3's largest object. */
export const MAX_OBJECT_SIZE = 5 * 1024 * 1024 * MIB;
/**
 * The whole-object SHA-256 of a multipart upload. S3 keeps none for a multipart object (only a
 * composite of the parts' checksums, or full-object CRCs), so:
 * - up to WHOLE_HASH_MAX completeUpload reads the object back and checks the declared SHA-256,
 *   deleting it on a mismatch. The read must fit the content Lambda's budget: a 10 s timeout
 *   (infra/aws/lambda-handler.ts, 512 MB) that also covers ListParts and CompleteMultipartUpload, and
 *   AppSync's 30 s per request. 128 MiB in the ~6 s left needs ~22 MiB/s of GetObject + hashing, a
 *   margin of 2-4x under what a 512 MB function is commonly seen to sustain (not measured here: no
 *   AWS account);
 * - above it (up to MAX_OBJECT_SIZE) the writer declares every part's SHA-256 at createUpload: each
 *   is a signed header of its part URL, so S3 refuses other bytes for that part; completeUpload
 *   passes the parts' checksums to CompleteMultipartUpload and checks that the object's composite
 *   checksum is the one of the declared parts. The bytes are then exactly the declared parts, but
 *   the whole-object SHA-256 is only the writer's declaration (recorded as such in the object's
 *   `sha256-check` metadata, like a TEXT upload's declared length): every reader verifies it after
 *   download (client/sdk/transfer.ts `download`, client/sync), and a mismatch is an IntegrityError.
 * A single PUT (up to SINGLE_PUT_MAX) needs neither: S3 itself checks the SHA-256 the URL binds, and
 * verifyUpload reads it with HeadObject (ChecksumMode).
 */
export const WHOLE_HASH_MAX = 128 * MIB;

/** WHOLE_HASH_MAX, or the handler environment's CONTENT_WHOLE_HASH_MAX (bytes; tests lower it). */
export function wholeHashMax(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.CONTENT_WHOLE_HASH_MAX;
  if (v === undefined || v === '') return WHOLE_HASH_MAX;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`CONTENT_WHOLE_HASH_MAX must be a non-negative integer, not ${v}`);
  return n;
}
/** Presigned URLs live long enough to start an upload, not to be shared around. */
export const UPLOAD_URL_SECONDS = 15 * 60;
export const DOWNLOAD_URL_SECONDS = 5 * 60;

/** The part size for a multipart upload: the default, grown until the parts fit in S3's 10,000. */
export function partSizeFor(size: number): number {
  let part = DEFAULT_PART_SIZE;
  while (Math.ceil(size / part) > MAX_PARTS) part *= 2;
  return part;
}
