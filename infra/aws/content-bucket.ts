import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { PITR_WINDOW } from './backup.ts';
import type { ExpiryRuleDef } from '../wiring/types.ts';

export interface ContentBucketOptions {
  /** Browser origins that upload and download with presigned URLs. */
  corsAllowedOrigins: string[];
  /** Where S3 writes server access logs. */
  accessLogs: IBucket;
  accessLogsPrefix: string;
  /** How long an overwritten or deleted object version is kept before it expires (default 35 days, the PITR window). */
  noncurrentVersionRetention?: Duration;
  /**
   * How long a deleted snapshot (`snapshots/`) is kept as a noncurrent version (default 35 days): as
   * long as the table's point-in-time recovery reaches back, so a restored head never points at a
   * snapshot that is gone.
   */
  snapshotNoncurrentRetention?: Duration;
  /** The definition's expiry rules (BucketDef `expire`): uncommitted uploads. */
  expire?: ExpiryRuleDef[];
}

/**
 * A bucket for file content. Objects are written once (uploads, and snapshots per version), so
 * versioning costs little and protects against a bad overwrite or delete. Lifecycle: abandoned
 * multipart uploads are aborted after a day; declared expiry rules (uploads never committed) expire
 * their objects; the snapshot handler deletes superseded snapshots, whose
 * noncurrent versions expire after `snapshotNoncurrentRetention`; any other noncurrent version after
 * `noncurrentVersionRetention`; a delete marker left with no versions behind it is removed.
 */
export function createContentBucket(scope: Construct, id: string, opts: ContentBucketOptions): Bucket {
  return new Bucket(scope, id, {
    versioned: true,
    encryption: BucketEncryption.S3_MANAGED,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    serverAccessLogsBucket: opts.accessLogs,
    serverAccessLogsPrefix: opts.accessLogsPrefix,
    removalPolicy: RemovalPolicy.RETAIN,
    cors: [
      {
        allowedOrigins: opts.corsAllowedOrigins,
        // PUT for single and multipart part uploads, GET/HEAD for presigned downloads.
        allowedMethods: [HttpMethods.PUT, HttpMethods.GET, HttpMethods.HEAD],
        allowedHeaders: ['*'],
        // A browser needs each part's ETag to complete a multipart upload.
        exposedHeaders: ['ETag'],
        maxAge: 3000,
      },
    ],
    lifecycleRules: [
      { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      {
        id: 'expire-superseded-snapshots',
        prefix: 'snapshots/',
        noncurrentVersionExpiration: opts.snapshotNoncurrentRetention ?? PITR_WINDOW,
        expiredObjectDeleteMarker: true,
      },
      // What an expiry rule expires was never referenced by the table (an uncommitted upload), so its
      // noncurrent version need not outlive the PITR window: it goes a day later.
      ...(opts.expire ?? []).map((r) => ({
        id: r.id,
        prefix: r.prefix,
        tagFilters: r.tags,
        expiration: Duration.days(r.days),
        noncurrentVersionExpiration: Duration.days(1),
      })),
      {
        id: 'expire-old-versions',
        noncurrentVersionExpiration: opts.noncurrentVersionRetention ?? PITR_WINDOW,
        expiredObjectDeleteMarker: true,
      },
    ],
  });
}

/** The target of the content buckets' server access logs. */
export function createAccessLogsBucket(scope: Construct, id: string): Bucket {
  return new Bucket(scope, id, {
    encryption: BucketEncryption.S3_MANAGED,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
  });
}
