import { util, type Context } from '@aws-appsync/utils';
import type { MutationSetFileNotificationsArgs } from '../generated/graphql.ts';
import { requireSub } from '../lib/access.ts';
import { busy, forbidden } from '../lib/errors.ts';
import { aclSk, filePk } from '../lib/keys.ts';

/**
 * Sets `muted` on the caller's own member item, only while it is an active membership. The item
 * keeps its summary and sync key: a setting is not a change of the file.
 */
export function request(ctx: Context<MutationSetFileNotificationsArgs>) {
  const input = ctx.args.input;
  const at = util.time.nowISO8601();
  ctx.stash.at = at;
  return {
    operation: 'UpdateItem' as const,
    key: util.dynamodb.toMapValues({ pk: filePk(input.fileId), sk: aclSk(requireSub(ctx)) }),
    update: {
      expression: 'SET #muted = :muted, #mutedAt = :at',
      expressionNames: { '#muted': 'muted', '#mutedAt': 'notificationsAt' },
      expressionValues: util.dynamodb.toMapValues({ ':muted': input.muted, ':at': at }),
    },
    condition: {
      expression: 'attribute_exists(pk) AND #role <> :revoked',
      expressionNames: { '#role': 'role' },
      expressionValues: util.dynamodb.toMapValues({ ':revoked': 'REVOKED' }),
    },
  };
}

export function response(ctx: Context<MutationSetFileNotificationsArgs>) {
  const input = ctx.args.input;
  if (ctx.error) {
    // Removed between authorize and this write.
    if (ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') forbidden(input.fileId, null, 'set notifications on');
    if (ctx.error.type === 'DynamoDB:TransactionConflictException') busy(input.fileId);
    util.error(ctx.error.message, ctx.error.type);
  }
  return { fileId: input.fileId, userId: requireSub(ctx), muted: input.muted, at: ctx.stash.at };
}
