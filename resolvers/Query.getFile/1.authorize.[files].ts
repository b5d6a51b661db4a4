import type { Context } from '@aws-appsync/utils';
import type { QueryGetFileArgs } from '../generated/graphql.ts';
import { authorize, headAndMembersRequest, READERS } from '../lib/access.ts';

export function request(ctx: Context<QueryGetFileArgs>) {
  return headAndMembersRequest(ctx.args.id);
}

/** Tombstones are returned (deleted: true, no content) so a client learns of the delete. */
export function response(ctx: Context<QueryGetFileArgs>) {
  ctx.stash.access = authorize(ctx, ctx.args.id, READERS, 'read', true);
  return null;
}
