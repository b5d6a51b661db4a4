import type { Context } from '@aws-appsync/utils';
import type { MutationRenameFileArgs } from '../generated/graphql.ts';
import { authorize, headAndMembersRequest, WRITERS } from '../lib/access.ts';

export function request(ctx: Context<MutationRenameFileArgs>) {
  return headAndMembersRequest(ctx.args.input.id);
}

/** Whoever may modify a file may rename it; a deleted file goes on so a retry finds its first result. */
export function response(ctx: Context<MutationRenameFileArgs>) {
  ctx.stash.access = authorize(ctx, ctx.args.input.id, WRITERS, 'rename', true);
  return null;
}
