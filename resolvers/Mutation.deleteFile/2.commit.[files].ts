import { util, type Context } from '@aws-appsync/utils';
import type { MutationDeleteFileArgs } from '../generated/graphql.ts';
import type { Access } from '../lib/access.ts';
import { bodyDelete } from '../lib/body.ts';
import { changeRecord, fileWriteItems } from '../lib/commit.ts';
import { EMPTY_SHA256 } from '../lib/limits.ts';
import { changeFromItem } from '../lib/shapes.ts';
import { commitFailure } from '../lib/outcome.ts';
import { filesTable, setExpression } from '../lib/tx.ts';
import type { ChangeItem, FileSummary } from '../lib/items.ts';

/** The head becomes a tombstone (no content: its BODY goes too) at version + 1; members' index items say deleted. */
export function request(ctx: Context<MutationDeleteFileArgs>) {
  const input = ctx.args.input;
  const { head, members, muted } = ctx.stash.access as Access;
  const base = input.baseVersion || head.version;
  const now = util.time.nowISO8601();
  const summary: FileSummary = {
    id: head.id,
    name: head.name,
    contentType: head.contentType,
    encoding: head.encoding,
    size: 0,
    length: 0,
    sha256: EMPTY_SHA256,
    version: base + 1,
    owner: head.owner,
    createdAt: head.createdAt,
    updatedAt: now,
    updatedBy: (ctx.identity as { sub: string }).sub,
    deleted: true,
  };
  const change = changeRecord(summary, 'DELETE', ctx.stash.requestId as string, { members, muted });
  ctx.stash.change = change;
  const update = setExpression({ ...summary }, ['content', 'bodyVersion']);
  const table = filesTable(ctx);
  return {
    operation: 'TransactWriteItems' as const,
    transactItems: fileWriteItems(table, head, members, base, update, change, summary, { indexMembers: true, extra: [bodyDelete(table, head.id)] }),
  };
}

export function response(ctx: Context<MutationDeleteFileArgs>) {
  if (ctx.error) {
    const { head } = ctx.stash.access as Access;
    commitFailure(ctx, ctx.args.input.id, ctx.args.input.baseVersion || head.version, head.version);
    return null;
  }
  return changeFromItem(ctx.stash.change as ChangeItem);
}
