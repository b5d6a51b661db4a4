import { runtime, util, type Context } from '@aws-appsync/utils';
import type { QueryGetFileArgs } from '../generated/graphql.ts';
import type { Access } from '../lib/access.ts';
import { bodyOf, contentAt, contentLost, tailRequest } from '../lib/body.ts';
import type { ChangeItem } from '../lib/items.ts';
import { fileFromHead } from '../lib/shapes.ts';

/** Inline content behind the head: read the patches after the body's version (at most TAIL_PATCHES or so). */
export function request(ctx: Context<QueryGetFileArgs>) {
  const { head, body, role } = ctx.stash.access as Access;
  const known = bodyOf(head, body);
  if (!known) {
    // Tombstones and S3-held content have no inline content; any other head without a body is damage.
    if (!head.deleted && !head.contentKey) contentLost(head.id, head.version);
    return runtime.earlyReturn(fileFromHead(head, role, null));
  }
  if (known.version >= head.version) return runtime.earlyReturn(fileFromHead(head, role, known.content));
  return tailRequest(head.id, known.version, head.version);
}

/** The body with the tail applied is the head's content. */
export function response(ctx: Context<QueryGetFileArgs>) {
  if (ctx.error) util.error(ctx.error.message, ctx.error.type);
  const { head, body, role } = ctx.stash.access as Access;
  const known = bodyOf(head, body);
  const items = ((ctx.result && ctx.result.items) || []) as ChangeItem[];
  const content = known ? contentAt(known, items, head.version) : null;
  if (content === null) return contentLost(head.id, head.version);
  return fileFromHead(head, role, content);
}
