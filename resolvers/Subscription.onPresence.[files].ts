import { extensions, util, type Context } from '@aws-appsync/utils';
import type { SubscriptionOnPresenceArgs } from './generated/graphql.ts';
import { authorize, callerSub, headAndMembersRequest, READERS } from './lib/access.ts';

/** Checked on subscribe exactly as onFileChanged: the head + members Query. */
export function request(ctx: Context<SubscriptionOnPresenceArgs>) {
  return headAndMembersRequest(ctx.args.fileId);
}

/** Members may watch; others get Forbidden, an unknown id NotFound. unshareFile closes a removed member's. */
export function response(ctx: Context<SubscriptionOnPresenceArgs>) {
  authorize(ctx, ctx.args.fileId, READERS, 'watch presence in', false);
  extensions.setSubscriptionInvalidationFilter(util.transform.toSubscriptionFilter({ fileId: { eq: ctx.args.fileId }, userId: { eq: callerSub(ctx) } }));
  return null;
}
