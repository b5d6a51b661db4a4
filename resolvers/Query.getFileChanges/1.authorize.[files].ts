import type { Context } from '@aws-appsync/utils';
import type { QueryGetFileChangesArgs } from '../generated/graphql.ts';
import { authorize, headAndMembersRequest, READERS } from '../lib/access.ts';

export function request(ctx: Context<QueryGetFileChangesArgs>) {
  return headAndMembersRequest(ctx.args.fileId);
}

/** Readers of a deleted file may still fetch its log, DELETE included. */
export function response(ctx: Context<QueryGetFileChangesArgs>) {
  ctx.stash.access = authorize(ctx, ctx.args.fileId, READERS, 'read', true);
  return null;
}
