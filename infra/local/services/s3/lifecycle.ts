/**
 * The declared buckets' expiry rules (BucketDef `expire`, in AWS S3 lifecycle rules from the same
 * declaration): an object under the rule's prefix carrying all of its tags is deleted once `days`
 * have passed since it was written. S3 acts at some point after that (it rounds to the next midnight
 * UTC and runs asynchronously); here a sweep acts exactly then, when the runtime runs it.
 */
import type { ExpiryRuleDef } from '../../../wiring/types.ts';
import type { ObjectMeta, ObjectStore } from './store.ts';

const DAY_MS = 24 * 3600 * 1000;

export function expiredBy(rule: ExpiryRuleDef, meta: ObjectMeta, nowMs: number): boolean {
  if (!meta.key.startsWith(rule.prefix)) return false;
  for (const [k, v] of Object.entries(rule.tags)) if (meta.tags?.[k] !== v) return false;
  return Date.parse(meta.lastModified) + rule.days * DAY_MS <= nowMs;
}

/** Deletes what the rules expire at `nowMs`; returns how many objects went. */
export async function sweepExpired(store: ObjectStore, bucket: string, rules: ExpiryRuleDef[], nowMs: number): Promise<number> {
  if (rules.length === 0) return 0;
  let deleted = 0;
  for (const meta of await store.list(bucket)) {
    if (!rules.some((r) => expiredBy(r, meta, nowMs))) continue;
    // Re-read under the store's own order: a re-tag (a commit) between the listing and now wins.
    const current = await store.head(bucket, meta.key);
    if (!current || !rules.some((r) => expiredBy(r, current, nowMs))) continue;
    await store.delete(bucket, meta.key);
    deleted++;
  }
  return deleted;
}
