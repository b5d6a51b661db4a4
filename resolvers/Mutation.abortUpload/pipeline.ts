import type { Context } from '@aws-appsync/utils';
import type { MutationAbortUploadArgs } from '../generated/graphql.ts';
import { requireSub } from '../lib/access.ts';

/** abortUpload: 1.abort (the Lambda abandons a multipart upload), then 2.release (the session's quota reservation). */
export function request(ctx: Context<MutationAbortUploadArgs>) {
  ctx.stash.sub = requireSub(ctx);
  return {};
}

export function response(ctx: Context) {
  return ctx.stash.aborted;
}
