import { util, type Context } from '@aws-appsync/utils';
import type { MutationShareFileArgs } from '../generated/graphql.ts';
import type { Access } from '../lib/access.ts';
import { busy, invalid, notFound } from '../lib/errors.ts';
import { aclSk, filePk, syncKey } from '../lib/keys.ts';
import { summaryOf } from '../lib/shapes.ts';
import { aclVersionBump, conditionFailure, filesTable, transactionConflict } from '../lib/tx.ts';

/**
 * Puts the member item (role, the head's summary, a fresh sync key so the member's syncFiles sees
 * the file) and bumps the head's aclVersion, so a write that fanned out to the old member list fails
 * and retries. The head must still be at the version authorize saw, or the copied summary is stale.
 */
export function request(ctx: Context<MutationShareFileArgs>) {
  const input = ctx.args.input;
  const { head } = ctx.stash.access as Access;
  const table = filesTable(ctx);
  const at = util.time.nowISO8601();
  ctx.stash.at = at;
  return {
    operation: 'TransactWriteItems' as const,
    transactItems: [
      aclVersionBump(table, input.fileId, {
        expression: '#version = :version AND #deleted = :false',
        expressionNames: { '#version': 'version', '#deleted': 'deleted' },
        expressionValues: util.dynamodb.toMapValues({ ':version': head.version, ':false': false }),
        returnValuesOnConditionCheckFailure: true,
      }),
      {
        table,
        operation: 'PutItem' as const,
        key: util.dynamodb.toMapValues({ pk: filePk(input.fileId), sk: aclSk(input.userId) }),
        attributeValues: util.dynamodb.toMapValues({
          ...summaryOf(head),
          member: input.userId,
          role: input.role,
          syncKey: syncKey(util.time.nowEpochMilliSeconds(), input.fileId),
        }),
        condition: {
          expression: 'attribute_not_exists(pk) OR #role <> :owner',
          expressionNames: { '#role': 'role' },
          expressionValues: util.dynamodb.toMapValues({ ':owner': 'OWNER' }),
          returnValuesOnConditionCheckFailure: false,
        },
      },
    ],
  };
}

export function response(ctx: Context<MutationShareFileArgs>) {
  const input = ctx.args.input;
  if (ctx.error) {
    const head = conditionFailure(ctx, 0);
    if (head.failed && head.item && head.item.deleted === true) notFound(input.fileId, true);
    if (head.failed) busy(input.fileId); // the head moved on since authorize: retry
    if (conditionFailure(ctx, 1).failed) invalid('userId', 'is the owner');
    if (transactionConflict(ctx)) busy(input.fileId);
    util.error(ctx.error.message, ctx.error.type);
  }
  return { fileId: input.fileId, userId: input.userId, role: input.role, at: ctx.stash.at };
}
