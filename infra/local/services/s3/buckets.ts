/**
 * The runtime's side of the local S3: starts it for the declared buckets and says what Lambda
 * handlers need to reach it. Handlers use the AWS SDK unchanged: the SDK reads the standard
 * `AWS_ENDPOINT_URL_S3` (set only here; in AWS it is absent and the real endpoint is used), and
 * an IP endpoint makes it address buckets path-style.
 */
import { join } from 'node:path';
import type { BucketDef } from '../../../wiring/types.ts';
import { sweepExpired } from './lifecycle.ts';
import { startS3Server, type LocalS3 } from './server.ts';
import type { S3Credential } from './sigv4.ts';
import type { ServerLimits } from '../../net/harden.ts';

export interface LocalBuckets {
  endpoint: string;
  server: LocalS3;
  credentials: S3Credential;
  /** A declared bucket key → its local bucket name (the key itself). */
  bucketName(key: string): string;
  /** Variables the Lambda service would give a function: region, credentials, and the endpoint. */
  lambdaEnvironment: Record<string, string>;
  /** Applies every bucket's expiry rules as of `nowMs` (default now); the runtime also runs it hourly. Returns the objects deleted. */
  sweepExpired(nowMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export async function startLocalBuckets(opts: {
  buckets: Record<string, BucketDef>;
  dataDir: string;
  credentials: S3Credential;
  /** Other credentials the endpoint also accepts (e.g. the IAM dev user's). */
  alsoAccept?: S3Credential[];
  region: string;
  host?: string;
  limits?: Partial<ServerLimits>;
  log?: (line: string) => void;
}): Promise<LocalBuckets> {
  const server = await startS3Server({
    dataDir: join(opts.dataDir, 's3'),
    buckets: opts.buckets,
    credentials: [opts.credentials, ...(opts.alsoAccept ?? [])],
    region: opts.region,
    host: opts.host,
    limits: opts.limits,
    log: opts.log,
  });
  const bucketName = (key: string) => {
    if (!Object.hasOwn(opts.buckets, key)) throw new Error(`unknown bucket "${key}"`);
    return key;
  };
  const sweep = async (nowMs = Date.now()) => {
    let n = 0;
    for (const [key, def] of Object.entries(opts.buckets)) n += await sweepExpired(server.store, bucketName(key), def.expire ?? [], nowMs);
    return n;
  };
  // S3 evaluates lifecycle rules about daily; hourly keeps a long-running local runtime close to it.
  const timer = setInterval(() => {
    sweep().catch((e: unknown) => opts.log?.(`expiry sweep failed: ${String(e)}`));
  }, 3600_000);
  timer.unref();
  return {
    endpoint: server.endpoint,
    server,
    credentials: opts.credentials,
    bucketName,
    lambdaEnvironment: {
      AWS_REGION: opts.region,
      AWS_ACCESS_KEY_ID: opts.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: opts.credentials.secretAccessKey,
      AWS_ENDPOINT_URL_S3: server.endpoint,
    },
    sweepExpired: sweep,
    stop: () => {
      clearInterval(timer);
      return server.stop();
    },
  };
}
