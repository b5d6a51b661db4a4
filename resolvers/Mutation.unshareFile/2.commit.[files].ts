import { extensions, util, type Context } from '@aws-appsync/utils';
import type { MutationUnshareFileArgs } from '../generated/graphql.ts';
import { busy, notFound } from '../lib/errors.ts';
import { aclSk, filePk, syncKey } from '../lib/keys.ts';
import { REVOKED_RETENTION_SECONDS } from '../lib/limits.ts';
import { aclVersionBump, conditionFailure, expiresIn, filesTable, transactionConflict } from '../lib/tx.ts';

/**
 * The member item is kept as REVOKED with a fresh sync key (so the user's syncFiles learns they lost
 * the file) and expires later; the head's aclVersion moves so in-flight writes re-read the members.
 */
export function request(ctx: Context<MutationUnshareFileArgs>) {
  const input = ctx.args.input;
  const table = filesTable(ctx);
  const at = util.time.nowISO8601();
  ctx.stash.at = at;
  return {
    operation: 'TransactWriteItems' as const,
    transactItems: [
      aclVersionBump(table, input.fileId, { expression: 'attribute_exists(pk)', returnValuesOnConditionCheckFailure: false }),
      {
        table,
        operation: 'UpdateItem' as const,
        key: util.dynamodb.toMapValues({ pk: filePk(input.fileId), sk: aclSk(input.userId) }),
        update: {
          expression: 'SET #role = :revoked, #syncKey = :syncKey, #expiresAt = :expiresAt',
          expressionNames: { '#role': 'role', '#syncKey': 'syncKey', '#expiresAt': 'expiresAt' },
          expressionValues: util.dynamodb.toMapValues({
            ':revoked': 'REVOKED',
            ':syncKey': syncKey(util.time.nowEpochMilliSeconds(), input.fileId),
            ':expiresAt': expiresIn(REVOKED_RETENTION_SECONDS),
          }),
        },
        condition: {
          expression: 'attribute_exists(pk) AND #role <> :owner AND #role <> :revoked',
          expressionNames: { '#role': 'role' },
          expressionValues: util.dynamodb.toMapValues({ ':owner': 'OWNER', ':revoked': 'REVOKED' }),
          returnValuesOnConditionCheckFailure: false,
        },
      },
    ],
  };
}

export function response(ctx: Context<MutationUnshareFileArgs>) {
  const input = ctx.args.input;
  if (ctx.error) {
    if (conditionFailure(ctx, 0).failed) notFound(input.fileId, false);
    if (conditionFailure(ctx, 1).failed) {
      util.error(`user ${input.userId} is not a member of file ${input.fileId}`, 'NotFound', null, { fileId: input.fileId, userId: input.userId });
    }
    if (transactionConflict(ctx)) busy(input.fileId);
    util.error(ctx.error.message, ctx.error.type);
  }
  // Close the removed user's open onFileChanged and onPresence subscriptions on this file.
  extensions.invalidateSubscriptions({ subscriptionField: 'onFileChanged', payload: { fileId: input.fileId, userId: input.userId } });
  extensions.invalidateSubscriptions({ subscriptionField: 'onPresence', payload: { fileId: input.fileId, userId: input.userId } });
  return { fileId: input.fileId, userId: input.userId, role: null, at: ctx.stash.at };
}
