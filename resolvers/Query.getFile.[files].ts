import type { Context } from '@aws-appsync/utils';
import type { QueryGetFileArgs } from './generated/graphql.ts';
import { authorize, headAndMembersRequest, READERS } from './lib/access.ts';
import { fileFromHead } from './lib/shapes.ts';

/** The head with its content inline, and the members to check the caller against: one Query. */
export function request(ctx: Context<QueryGetFileArgs>) {
  return headAndMembersRequest(ctx.args.id);
}

/** Tombstones are returned (deleted: true, no content) so a client learns of the delete. */
export function response(ctx: Context<QueryGetFileArgs>) {
  const access = authorize(ctx, ctx.args.id, READERS, 'read', true);
  return fileFromHead(access.head, access.role);
}
