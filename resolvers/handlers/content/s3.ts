/**
 * The S3 client and bucket, from the environment only: in AWS the function's role and the real
 * endpoint; locally the runtime sets the standard `AWS_ENDPOINT_URL_S3` and dev credentials.
 * Checksums are computed only when an operation requires one, so presigned URLs carry exactly the
 * checksum this code binds (never one of an empty body).
 */
import { S3Client } from '@aws-sdk/client-s3';

let cached: { endpoint: string | undefined; client: S3Client } | undefined;

export function s3(): S3Client {
  // Rebuilt when the endpoint changes: local test runs start several runtimes in one process.
  const endpoint = process.env.AWS_ENDPOINT_URL_S3;
  if (cached?.endpoint !== endpoint) {
    cached = { endpoint, client: new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }) };
  }
  return cached!.client;
}

export function contentBucket(): string {
  const b = process.env.CONTENT_BUCKET;
  if (!b) throw new Error('CONTENT_BUCKET is not set');
  return b;
}
