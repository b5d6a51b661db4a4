import type { Context } from '@aws-appsync/utils';
import type { MutationAbortUploadArgs } from '../generated/graphql.ts';
import { contentResult, invokeContent } from '../lib/content.ts';

/** Abandons the caller's multipart upload (its parts are deleted); a single PUT has nothing to abort in S3. */
export function request(ctx: Context<MutationAbortUploadArgs>) {
  return invokeContent({ action: 'abortUpload', sub: ctx.stash.sub, uploadId: ctx.args.uploadId });
}

export function response(ctx: Context<MutationAbortUploadArgs>) {
  ctx.stash.aborted = contentResult(ctx) === true;
  return ctx.stash.aborted;
}
