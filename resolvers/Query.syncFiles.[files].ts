import { util, type Context } from '@aws-appsync/utils';
import type { QuerySyncFilesArgs } from './generated/graphql.ts';
import { requireSub } from './lib/access.ts';
import { invalid } from './lib/errors.ts';
import { MEMBER_INDEX, pad } from './lib/keys.ts';
import { SYNC_OVERLAP_MS } from './lib/limits.ts';
import { fileFromMember } from './lib/shapes.ts';
import { pageLimit } from './lib/validate.ts';
import type { AclItem } from './lib/items.ts';

/** A cursor is a sync key (or its time part): `<13-digit ms>[#<fileId>]`. */
const CURSOR = '^[0-9]{13}(#[A-Za-z0-9_.:-]{1,128})?$';

/**
 * The caller's member items whose sync key is past the cursor, oldest first: every file they can
 * see (or just lost) that changed, deletions included, from one index Query.
 */
export function request(ctx: Context<QuerySyncFilesArgs>) {
  const sub = requireSub(ctx);
  const cursor = ctx.args.cursor || pad(0, 13);
  if (!util.matches(CURSOR, cursor)) invalid('cursor', 'is not a cursor this API handed out');
  ctx.stash.cursor = cursor;
  return {
    operation: 'Query' as const,
    index: MEMBER_INDEX,
    query: {
      expression: '#member = :member AND #syncKey > :cursor',
      expressionNames: { '#member': 'member', '#syncKey': 'syncKey' },
      expressionValues: util.dynamodb.toMapValues({ ':member': sub, ':cursor': cursor }),
    },
    scanIndexForward: true,
    limit: pageLimit(ctx.args.limit),
  };
}

/**
 * With more to read, the next cursor is the last key. Once caught up it stays SYNC_OVERLAP_MS behind
 * now, so a write stamped just before this read but indexed just after is not missed; the overlap
 * may hand back versions the client has, which it skips.
 */
export function response(ctx: Context<QuerySyncFilesArgs>) {
  if (ctx.error) util.error(ctx.error.message, ctx.error.type);
  const items = ((ctx.result && ctx.result.items) || []) as AclItem[];
  const files = [];
  let last = ctx.stash.cursor as string;
  for (const item of items) {
    files.push(fileFromMember(item));
    last = item.syncKey;
  }
  const hasMore = !!(ctx.result && ctx.result.nextToken);
  const floor = pad(util.time.nowEpochMilliSeconds() - SYNC_OVERLAP_MS, 13);
  const cursor = hasMore || items.length === 0 || last < floor ? last : floor < (ctx.stash.cursor as string) ? (ctx.stash.cursor as string) : floor;
  return { items: files, cursor, hasMore };
}
