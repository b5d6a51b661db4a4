import type { Context } from '@aws-appsync/utils';
import type { MutationShareFileArgs } from '../generated/graphql.ts';
import { authorize, callerSub, headAndMembersRequest, OWNERS } from '../lib/access.ts';
import { invalid, tooLarge } from '../lib/errors.ts';
import { MAX_MEMBERS } from '../lib/limits.ts';

export function request(ctx: Context<MutationShareFileArgs>) {
  return headAndMembersRequest(ctx.args.input.fileId);
}

/** Owner only (checked first); not with themself; a new member must fit under the member limit (a changed role always fits). */
export function response(ctx: Context<MutationShareFileArgs>) {
  const access = authorize(ctx, ctx.args.input.fileId, OWNERS, 'share', false);
  if (ctx.args.input.userId === callerSub(ctx)) invalid('userId', 'the owner cannot share a file with themself');
  if (!access.members.includes(ctx.args.input.userId) && access.members.length >= MAX_MEMBERS) {
    tooLarge('members', MAX_MEMBERS, access.members.length + 1);
  }
  ctx.stash.access = access;
  return null;
}
