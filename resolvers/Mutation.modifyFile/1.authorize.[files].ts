import type { Context } from '@aws-appsync/utils';
import type { MutationModifyFileArgs } from '../generated/graphql.ts';
import { authorize, headAndMembersRequest, WRITERS } from '../lib/access.ts';

export function request(ctx: Context<MutationModifyFileArgs>) {
  return headAndMembersRequest(ctx.args.input.id);
}

/** Owners and editors write; a deleted file goes on to the commit, which tells a retry from a late write. */
export function response(ctx: Context<MutationModifyFileArgs>) {
  const access = authorize(ctx, ctx.args.input.id, WRITERS, 'modify', true);
  ctx.stash.access = access;
  return null;
}
