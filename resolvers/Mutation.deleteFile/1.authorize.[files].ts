import type { Context } from '@aws-appsync/utils';
import type { MutationDeleteFileArgs } from '../generated/graphql.ts';
import { authorize, headAndMembersRequest, OWNERS } from '../lib/access.ts';

export function request(ctx: Context<MutationDeleteFileArgs>) {
  return headAndMembersRequest(ctx.args.input.id);
}

/** Only the owner deletes; an already deleted file goes on so a retry finds its first result. */
export function response(ctx: Context<MutationDeleteFileArgs>) {
  ctx.stash.access = authorize(ctx, ctx.args.input.id, OWNERS, 'delete', true);
  return null;
}
