import { util, type Context } from '@aws-appsync/utils';
import type { MutationDeleteFileArgs } from '../generated/graphql.ts';
import type { Access } from '../lib/access.ts';
import { filePk, HEAD_SK, requestSk, syncKey, versionSk } from '../lib/keys.ts';
import { CHANGE_RETENTION_SECONDS, EMPTY_SHA256, REQUEST_RETENTION_SECONDS } from '../lib/limits.ts';
import { changeFromItem } from '../lib/shapes.ts';
import { commitFailure } from '../lib/outcome.ts';
import { expiresIn, filesTable, memberUpdates, setExpression } from '../lib/tx.ts';
import type { ChangeItem, FileSummary } from '../lib/items.ts';

/** The head becomes a tombstone (no content) at version + 1; members' index items say deleted. */
export function request(ctx: Context<MutationDeleteFileArgs>) {
  const input = ctx.args.input;
  const { head, members } = ctx.stash.access as Access;
  const requestId = ctx.stash.requestId as string;
  const author = (ctx.identity as { sub: string }).sub;
  const base = input.baseVersion || head.version;
  const next = base + 1;
  const now = util.time.nowISO8601();
  const summary: FileSummary = {
    id: head.id,
    name: head.name,
    contentType: head.contentType,
    encoding: head.encoding,
    size: 0,
    length: 0,
    sha256: EMPTY_SHA256,
    version: next,
    owner: head.owner,
    createdAt: head.createdAt,
    updatedAt: now,
    updatedBy: author,
    deleted: true,
  };
  const change: ChangeItem = {
    fileId: head.id,
    version: next,
    op: 'DELETE',
    author,
    at: now,
    name: head.name,
    contentType: head.contentType,
    encoding: head.encoding,
    size: 0,
    length: 0,
    sha256: EMPTY_SHA256,
    requestId,
    deleted: true,
    expiresAt: expiresIn(CHANGE_RETENTION_SECONDS),
  };
  ctx.stash.change = change;
  const table = filesTable(ctx);
  return {
    operation: 'TransactWriteItems' as const,
    transactItems: [
      {
        table,
        operation: 'UpdateItem' as const,
        key: util.dynamodb.toMapValues({ pk: filePk(head.id), sk: HEAD_SK }),
        update: setExpression({ ...summary }, ['content']),
        condition: {
          expression: '#version = :base AND #deleted = :false AND #aclVersion = :acl',
          expressionNames: { '#version': 'version', '#deleted': 'deleted', '#aclVersion': 'aclVersion' },
          expressionValues: util.dynamodb.toMapValues({ ':base': base, ':false': false, ':acl': head.aclVersion }),
          returnValuesOnConditionCheckFailure: true,
        },
      },
      {
        table,
        operation: 'PutItem' as const,
        key: util.dynamodb.toMapValues({ pk: filePk(head.id), sk: versionSk(next) }),
        attributeValues: util.dynamodb.toMapValues(change),
        condition: { expression: 'attribute_not_exists(pk)', returnValuesOnConditionCheckFailure: false },
      },
      {
        table,
        operation: 'PutItem' as const,
        key: util.dynamodb.toMapValues({ pk: filePk(head.id), sk: requestSk(requestId) }),
        attributeValues: util.dynamodb.toMapValues({ version: next, expiresAt: expiresIn(REQUEST_RETENTION_SECONDS) }),
        condition: { expression: 'attribute_not_exists(pk)', returnValuesOnConditionCheckFailure: true },
      },
      ...memberUpdates(table, head.id, members, summary, syncKey(util.time.nowEpochMilliSeconds(), head.id)),
    ],
  };
}

export function response(ctx: Context<MutationDeleteFileArgs>) {
  if (ctx.error) {
    commitFailure(ctx, ctx.args.input.id, ctx.args.input.baseVersion || (ctx.stash.access as Access).head.version, (ctx.stash.access as Access).head.version);
    return null;
  }
  return changeFromItem(ctx.stash.change as ChangeItem);
}
