import { util, type Context } from '@aws-appsync/utils';
import type { MutationCreateUploadArgs } from '../generated/graphql.ts';
import { commitWindowSeconds, liveUsage, overQuota, USAGE_SK, userPk, userQuotaBytes, type UsageItem } from '../lib/quota.ts';

/**
 * Holds the new session's bytes against the caller's quota (and drops lapsed sessions), on the
 * condition that the usage item is the one 1.usage judged: a concurrent createUpload of the same
 * user makes this one re-judge on what is there now.
 */
export function request(ctx: Context<MutationCreateUploadArgs>) {
  const id = sessionOf((ctx.prev.result as { uploadId: string }).uploadId);
  const entry = { size: ctx.args.input.size, until: (ctx.stash.nowSec as number) + commitWindowSeconds(ctx.env) };
  const key = util.dynamodb.toMapValues({ pk: userPk(ctx.stash.sub as string), sk: USAGE_SK });
  const rev = ctx.stash.usageRev as number;
  if (!ctx.stash.usageExists) {
    const pending: Record<string, unknown> = {};
    pending[id] = entry;
    return {
      operation: 'PutItem' as const,
      key,
      attributeValues: util.dynamodb.toMapValues({ committed: 0, rev: 1, pending }),
      condition: { expression: 'attribute_not_exists(pk)' },
    };
  }
  const names: Record<string, string> = { '#pending': 'pending', '#rev': 'rev', '#id': id };
  const removes: string[] = [];
  let n = 0;
  for (const lapsed of ctx.stash.lapsed as string[]) {
    names[`#l${n}`] = lapsed;
    removes.push(`#pending.#l${n}`);
    n = n + 1;
  }
  return {
    operation: 'UpdateItem' as const,
    key,
    update: {
      expression: `SET #pending.#id = :entry, #rev = :next${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
      expressionNames: names,
      expressionValues: util.dynamodb.toMapValues({ ':entry': entry, ':next': rev + 1 }),
    },
    condition: { expression: '#rev = :rev', expressionNames: { '#rev': 'rev' }, expressionValues: util.dynamodb.toMapValues({ ':rev': rev }) },
  };
}

export function response(ctx: Context<MutationCreateUploadArgs>) {
  if (ctx.error) {
    if (ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') {
      // Another session of this user was reserved in between: over the quota now is TooLarge, else retry.
      const now = liveUsage(ctx.result as UsageItem | null, ctx.stash.nowSec as number);
      const quota = userQuotaBytes(ctx.env);
      if (now.used + ctx.args.input.size > quota) overQuota(quota, now.used, ctx.args.input.size);
      util.error('another upload of this user was being created at the same instant; retry', 'Busy', null, { field: 'quota' });
    }
    util.error(ctx.error.message, ctx.error.type);
  }
  return ctx.stash.session;
}

/** The session id inside an upload reference (a multipart one carries S3's upload id after a dot). */
function sessionOf(uploadId: string): string {
  return uploadId.split('.')[0] as string;
}
