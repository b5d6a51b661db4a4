import { util, type Context } from '@aws-appsync/utils';
import type { MutationCreateUploadArgs } from '../generated/graphql.ts';
import { MAX_PENDING_UPLOADS } from '../lib/limits.ts';
import { liveUsage, overQuota, tooManyPending, USAGE_SK, userPk, userQuotaBytes, type UsageItem } from '../lib/quota.ts';

/** Reads the caller's usage; a session that would pass the quota ends here, before anything is signed. */
export function request(ctx: Context<MutationCreateUploadArgs>) {
  return { operation: 'GetItem' as const, key: util.dynamodb.toMapValues({ pk: userPk(ctx.stash.sub as string), sk: USAGE_SK }), consistentRead: true };
}

export function response(ctx: Context<MutationCreateUploadArgs>) {
  if (ctx.error) util.error(ctx.error.message, ctx.error.type);
  const item = ctx.result as UsageItem | null;
  const usage = liveUsage(item, ctx.stash.nowSec as number);
  const quota = userQuotaBytes(ctx.env);
  if (usage.used + ctx.args.input.size > quota) overQuota(quota, usage.used, ctx.args.input.size);
  if (usage.open >= MAX_PENDING_UPLOADS) tooManyPending(usage.open);
  ctx.stash.usageRev = item && item.rev ? item.rev : 0;
  ctx.stash.usageExists = !!item;
  ctx.stash.lapsed = usage.lapsed;
  return null;
}
