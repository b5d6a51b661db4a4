import { util, type Context } from '@aws-appsync/utils';
import type { MutationRenameFileArgs } from '../generated/graphql.ts';
import type { Access } from '../lib/access.ts';
import { changeRecord, fileWriteItems } from '../lib/commit.ts';
import { bodyOf, bodyPut, contentLost } from '../lib/body.ts';
import { BODY_SK, filePk } from '../lib/keys.ts';
import { commitFailure } from '../lib/outcome.ts';
import { changeFromItem } from '../lib/shapes.ts';
import { filesTable, setExpression } from '../lib/tx.ts';
import type { BodyItem, ChangeItem, FileSummary } from '../lib/items.ts';

/**
 * The head moves to version + 1 under the new name with its content unchanged, in the one transaction
 * every write uses (lib/commit.ts), so versions stay contiguous and subscribers hear it. Readers rebuild
 * content from a base plus the patches after it, so the new version must be reachable the same way:
 * TEXT gets an identity patch in the log; BASE64 (never patched) moves its base instead, the BODY's
 * version or the S3 object's `contentVersion` (the bytes are the same).
 */
export function request(ctx: Context<MutationRenameFileArgs>) {
  const input = ctx.args.input;
  const { head, members, body } = ctx.stash.access as Access;
  const base = input.baseVersion || head.version;
  const next = base + 1;
  const summary: FileSummary = {
    id: head.id,
    name: input.name,
    contentType: head.contentType,
    encoding: head.encoding,
    size: head.size,
    length: head.length,
    sha256: head.sha256,
    version: next,
    owner: head.owner,
    createdAt: head.createdAt,
    updatedAt: util.time.nowISO8601(),
    updatedBy: (ctx.identity as { sub: string }).sub,
    deleted: false,
  };
  const change = changeRecord(summary, 'MODIFY', ctx.stash.requestId as string, null);
  change.muted = (ctx.stash.access as Access).muted;
  const table = filesTable(ctx);
  const extra: unknown[] = [];
  // The head's recent patches describe content changes a stale edit is moved over; empty is always safe.
  const values: Record<string, unknown> = { ...summary, recent: '[]' };
  if (head.encoding === 'TEXT') {
    change.patch = JSON.stringify({ v: 1, t: 'text', ops: head.length > 0 ? [head.length] : [] });
  } else if (head.contentKey) {
    values.contentVersion = next;
  } else if (!head.deleted) {
    const at = bodyOf(head, body);
    if (!at || at.version !== head.version) contentLost(head.id, head.version);
    values.bodyVersion = next;
    // A head from before BODY items carries its content: the commit moves it out, as modifyFile's does.
    if (!body) extra.push(bodyPut(table, head.id, { content: (at as BodyItem).content, version: next, sha256: head.sha256 }));
    else
      extra.push({
        table,
        operation: 'UpdateItem' as const,
        key: util.dynamodb.toMapValues({ pk: filePk(head.id), sk: BODY_SK }),
        update: { expression: 'SET #version = :next', expressionNames: { '#version': 'version' }, expressionValues: util.dynamodb.toMapValues({ ':next': next }) },
      });
  }
  ctx.stash.change = change;
  return {
    operation: 'TransactWriteItems' as const,
    transactItems: fileWriteItems(table, head, members, base, setExpression(values, body || head.encoding === 'TEXT' ? [] : ['content']), change, summary, { indexMembers: false, extra }),
  };
}

export function response(ctx: Context<MutationRenameFileArgs>) {
  if (ctx.error) {
    const { head } = ctx.stash.access as Access;
    commitFailure(ctx, ctx.args.input.id, ctx.args.input.baseVersion || head.version, head.version);
    return null;
  }
  return changeFromItem(ctx.stash.change as ChangeItem);
}
