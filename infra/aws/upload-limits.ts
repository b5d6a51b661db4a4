import type { ApiDefinition } from '../wiring/types.ts';
import { UPLOAD_COMMIT_DAYS } from '../../resolvers/lib/limits.ts';

/**
 * A deploy's own upload limits (resolvers/lib/quota.ts; defaults in resolvers/lib/limits.ts). The
 * resolvers read them from the API's environment (`ctx.env`); the commit window is whole days
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

export const commitDays = (limits: UploadLimits | undefined) => limits?.commitDays ?? UPLOAD_COMMIT_DAYS;

/** The definition with the deploy's limits in the API's environment (unset ones keep the resolvers' defaults). */
export function withUploadLimits(def: ApiDefinition, limits: UploadLimits | undefined): ApiDefinition {
  const env: Record<string, string> = {};
  if (limits?.maxUploadBytes !== undefined) env.MAX_UPLOAD_BYTES = String(limits.maxUploadBytes);
  if (limits?.userQuotaBytes !== undefined) env.USER_QUOTA_BYTES = String(limits.userQuotaBytes);
  if (limits?.commitDays !== undefined) env.UPLOAD_COMMIT_SECONDS = String(limits.commitDays * 24 * 3600);
  return Object.keys(env).length === 0 ? def : { ...def, environment: { ...def.environment, ...env } };
}
