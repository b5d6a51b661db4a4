import type { Context } from '@aws-appsync/utils';
import type { MutationSetFileNotificationsArgs } from '../generated/graphql.ts';
import { authorize, headAndMembersRequest, MEMBERS } from '../lib/access.ts';

export function request(ctx: Context<MutationSetFileNotificationsArgs>) {
  return headAndMembersRequest(ctx.args.input.fileId);
}

/** Owners, editors and viewers choose for themselves; a deleted file has nothing left to notify. */
export function response(ctx: Context<MutationSetFileNotificationsArgs>) {
  authorize(ctx, ctx.args.input.fileId, MEMBERS, 'set notifications on', false);
  return null;
}
