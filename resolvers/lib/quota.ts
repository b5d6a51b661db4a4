import { util } from '@aws-appsync/utils';
import { MAX_PENDING_UPLOADS, MAX_UPLOAD_BYTES, UPLOAD_COMMIT_SECONDS, USER_QUOTA_BYTES } from './limits.ts';

/**
 * Per-user storage quota on uploads. The running total lives in one item per user in the files
 * table, `USER#<sub>` / `USAGE` (resolvers/README.md "Upload quota"):
 *   committed  bytes of the user's uploads some commit named (they stay in S3: superseded uploads are never collected)
 *   pending    map of open sessions: sessionId -> { size, until } (epoch seconds); reserved at createUpload,
 *              moved into `committed` by the first commit naming the upload (the content Lambda's verifyUpload),
 *              lapsed after `until` (the object then expires by the bucket's lifecycle rule)
 *   rev        bumped by every createUpload, the condition of the next (two concurrent createUploads
 *              cannot both take the last of the quota)
 * A user's usage is `committed` plus the pending sizes not yet lapsed.
 */
export const USAGE_SK = 'USAGE';
export const userPk = (sub: string) => `USER#${sub}`;

export interface PendingUpload {
  size: number;
  until: number;
}

export interface UsageItem {
  committed?: number;
  pending?: Record<string, PendingUpload>;
  rev?: number;
}

/** A limit from the API's environment (a deploy's own), or its default. */
export function envLimit(env: Record<string, string> | undefined, name: string, fallback: number): number {
  const raw = env ? env[name] : undefined;
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!(n >= 0) || Math.floor(n) !== n) util.error(`the API's ${name} must be a non-negative integer, not ${raw}`, 'InternalFailure');
  return n;
}

export const maxUploadBytes = (env: Record<string, string> | undefined) => envLimit(env, 'MAX_UPLOAD_BYTES', MAX_UPLOAD_BYTES);
export const userQuotaBytes = (env: Record<string, string> | undefined) => envLimit(env, 'USER_QUOTA_BYTES', USER_QUOTA_BYTES);
/** How long a session holds its bytes without a commit (the deploy's lifecycle rule expires its object after as many days, rounded up). */
export const commitWindowSeconds = (env: Record<string, string> | undefined) => envLimit(env, 'UPLOAD_COMMIT_SECONDS', UPLOAD_COMMIT_SECONDS);

/** What the usage item holds at `nowSec`: the live total, the open sessions, and the lapsed ones (removed by the next reservation). */
export function liveUsage(item: UsageItem | null, nowSec: number): { used: number; open: number; lapsed: string[] } {
  const pending = (item && item.pending) || {};
  let used = (item && item.committed) || 0;
  let open = 0;
  const lapsed: string[] = [];
  for (const id of Object.keys(pending)) {
    const p = pending[id] as PendingUpload;
    if (p.until > nowSec) {
      used = used + p.size;
      open = open + 1;
    } else {
      lapsed.push(id);
    }
  }
  return { used, open, lapsed };
}

/** TooLarge for a session that would take the user over their quota, with the limit and what they use. */
export function overQuota(limit: number, used: number, size: number): never {
  return util.error(`uploading ${size} more bytes would hold ${used + size} bytes, over the quota of ${limit}`, 'TooLarge', null, { field: 'quota', limit, used, actual: size });
}

export function tooManyPending(open: number): never {
  return util.error(`${open} uploads are open; commit or abort some, or let them lapse, first`, 'TooLarge', null, { field: 'pendingUploads', limit: MAX_PENDING_UPLOADS, actual: open + 1 });
}
