import type { Context } from '@aws-appsync/utils';
import type { MutationUnshareFileArgs } from '../generated/graphql.ts';
import { authorize, callerSub, headAndMembersRequest, OWNERS, READERS } from '../lib/access.ts';
import { invalid } from '../lib/errors.ts';

export function request(ctx: Context<MutationUnshareFileArgs>) {
  return headAndMembersRequest(ctx.args.input.fileId);
}

/** The owner removes anyone but themself; any member may remove themself (leave). Works on tombstones too. */
export function response(ctx: Context<MutationUnshareFileArgs>) {
  const input = ctx.args.input;
  const self = callerSub(ctx) === input.userId;
  const access = authorize(ctx, input.fileId, self ? READERS : OWNERS, 'unshare', true);
  if (access.role === 'OWNER' && self) invalid('userId', 'the owner cannot leave their own file');
  ctx.stash.access = access;
  return null;
}
