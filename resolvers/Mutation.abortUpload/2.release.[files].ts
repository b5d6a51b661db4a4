import { util, type Context } from '@aws-appsync/utils';
import type { MutationAbortUploadArgs } from '../generated/graphql.ts';
import { USAGE_SK, userPk } from '../lib/quota.ts';

/**
 * Gives the session's reserved bytes back. Safe for any session still open: its object (if any)
 * stays tagged pending, and a commit of a pending upload without an open session is refused
 * (handlers/content/usage.ts), so an aborted upload can no longer be committed; it expires.
 */
export function request(ctx: Context<MutationAbortUploadArgs>) {
  return {
    operation: 'UpdateItem' as const,
    key: util.dynamodb.toMapValues({ pk: userPk(ctx.stash.sub as string), sk: USAGE_SK }),
    update: { expression: 'REMOVE #pending.#id', expressionNames: { '#pending': 'pending', '#id': ctx.args.uploadId.split('.')[0] as string } },
    condition: { expression: 'attribute_exists(#pending.#id)', expressionNames: { '#pending': 'pending', '#id': ctx.args.uploadId.split('.')[0] as string } },
  };
}

export function response(ctx: Context<MutationAbortUploadArgs>) {
  // Not open (committed, lapsed, another user's or made up): nothing to give back.
  if (ctx.error && ctx.error.type !== 'DynamoDB:ConditionalCheckFailedException') util.error(ctx.error.message, ctx.error.type);
  return ctx.stash.aborted;
}
