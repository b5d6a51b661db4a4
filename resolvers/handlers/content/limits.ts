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
/** completeUpload reads a multipart object back to check its whole SHA-256 up to this size. */
export const WHOLE_HASH_MAX = 512 * MIB;
/** Presigned URLs live long enough to start an upload, not to be shared around. */
export const UPLOAD_URL_SECONDS = 15 * 60;
export const DOWNLOAD_URL_SECONDS = 5 * 60;

/** The part size for a multipart upload: the default, grown until the parts fit in S3's 10,000. */
export function partSizeFor(size: number): number {
  let part = DEFAULT_PART_SIZE;
  while (Math.ceil(size / part) > MAX_PARTS) part *= 2;
  return part;
}
