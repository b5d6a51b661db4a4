import type { Context } from '@aws-appsync/utils';
import type { MutationAbortUploadArgs } from './generated/graphql.ts';
import { requireSub } from './lib/access.ts';
import { contentResult, invokeContent } from './lib/content.ts';

/** Abandons the caller's multipart upload (its parts are deleted). */
export function request(ctx: Context<MutationAbortUploadArgs>) {
  return invokeContent({ action: 'abortUpload', sub: requireSub(ctx), uploadId: ctx.args.uploadId });
}

export function response(ctx: Context<MutationAbortUploadArgs>) {
  return contentResult(ctx) === true;
}
