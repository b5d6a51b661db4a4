import { extensions, util, type Context } from '@aws-appsync/utils';
import type { SubscriptionOnFileChangedArgs } from './generated/graphql.ts';
import { authorize, callerSub, headAndMembersRequest, READERS } from './lib/access.ts';

/** Runs on every subscribe: the same head + members Query as any read. */
export function request(ctx: Context<SubscriptionOnFileChangedArgs>) {
  return headAndMembersRequest(ctx.args.fileId);
}

/**
 * Owners, editors and viewers may subscribe; others get Forbidden, an unknown id NotFound.
 * Events are matched by the fileId argument. unshareFile invalidates the removed user's
 * subscriptions through the invalidation filter set here.
 */
export function response(ctx: Context<SubscriptionOnFileChangedArgs>) {
  authorize(ctx, ctx.args.fileId, READERS, 'subscribe to', true);
  extensions.setSubscriptionInvalidationFilter(util.transform.toSubscriptionFilter({ fileId: { eq: ctx.args.fileId }, userId: { eq: callerSub(ctx) } }));
  return null;
}
