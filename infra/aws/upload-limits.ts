import type { ApiDefinition } from '../wiring/types.ts';
import { UPLOAD_TAG } from '../../resolvers/lib/limits.ts';

/**
 * A deploy's own upload limits (resolvers/lib/quota.ts; defaults in resolvers/lib/limits.ts). The
 * resolvers read them from the API's environment (`ctx.env`); the commit window (default
 * UPLOAD_COMMIT_DAYS) is whole days
 * because the content bucket's lifecycle rule, which expires uncommitted uploads, counts in days.
 */
export interface UploadLimits {
  /** Largest object one createUpload may declare. */
  maxUploadBytes?: number;
  /** Bytes of uploads one user may hold (committed plus open sessions). */
  userQuotaBytes?: number;
  /** Days an upload may stay uncommitted before its reservation lapses and its object expires. */
  commitDays?: number;
}

export class UploadLimitsError extends Error {
  override readonly name = 'UploadLimitsError';
}

/** The limits from the app's context keys `maxUploadBytes`, `userQuotaBytes`, `uploadCommitDays` (any may be absent). */
export function uploadLimitsFromContext(context: (key: string) => string | undefined): UploadLimits {
  const read = (key: string, min: number): number | undefined => {
    const raw = context(key);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min) throw new UploadLimitsError(`context ${key} must be an integer of at least ${min}, not "${raw}" (infra/aws/README.md "Upload limits")`);
    return n;
  };
  return { maxUploadBytes: read('maxUploadBytes', 0), userQuotaBytes: read('userQuotaBytes', 0), commitDays: read('uploadCommitDays', 1) };
}

/**
 * The definition with the deploy's limits in the API's environment (unset ones keep the resolvers'
 * defaults) and its commit window as the days of every bucket rule expiring pending uploads.
 */
export function withUploadLimits(def: ApiDefinition, limits: UploadLimits | undefined): ApiDefinition {
  const env: Record<string, string> = {};
  if (limits?.maxUploadBytes !== undefined) env.MAX_UPLOAD_BYTES = String(limits.maxUploadBytes);
  if (limits?.userQuotaBytes !== undefined) env.USER_QUOTA_BYTES = String(limits.userQuotaBytes);
  const days = limits?.commitDays;
  if (days !== undefined) env.UPLOAD_COMMIT_SECONDS = String(days * 24 * 3600);
  if (Object.keys(env).length === 0) return def;
  const buckets = Object.fromEntries(
    Object.entries(def.buckets ?? {}).map(([key, b]) => [key, { ...b, expire: b.expire?.map((r) => (days !== undefined && r.tags[UPLOAD_TAG] === 'pending' ? { ...r, days } : r)) }]),
  );
  return { ...def, environment: { ...def.environment, ...env }, ...(def.buckets ? { buckets } : {}) };
}
