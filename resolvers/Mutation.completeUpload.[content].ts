import type { Context } from '@aws-appsync/utils';
import type { MutationCompleteUploadArgs } from './generated/graphql.ts';
import { requireSub } from './lib/access.ts';
import { contentResult, invokeContent } from './lib/content.ts';

/** Completes the caller's multipart upload; the Lambda checks the parts and the whole SHA-256. */
export function request(ctx: Context<MutationCompleteUploadArgs>) {
  return invokeContent({ action: 'completeUpload', sub: requireSub(ctx), uploadId: ctx.args.uploadId });
}

export function response(ctx: Context<MutationCompleteUploadArgs>) {
  return contentResult(ctx);
}
