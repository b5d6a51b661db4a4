import { runtime, type Context } from '@aws-appsync/utils';
import type { MutationModifyFileArgs } from '../generated/graphql.ts';
import { contentResult, invokeContent, type VerifiedUpload } from '../lib/content.ts';

/**
 * Modifying from an upload: the Lambda checks the upload is the caller's, finished, and holds the
 * declared sha256 (and content type, when the change sets one; else the commit compares it with
 * the file's). Patches and inline content skip this step: the hot path is unchanged.
 */
export function request(ctx: Context<MutationModifyFileArgs>) {
  const input = ctx.args.input;
  if (!input.upload) return runtime.earlyReturn(null);
  const sub = (ctx.identity as { sub: string }).sub;
  return invokeContent({ action: 'verifyUpload', sub, uploadId: input.upload.uploadId, sha256: input.sha256, contentType: input.contentType || null });
}

export function response(ctx: Context<MutationModifyFileArgs>) {
  ctx.stash.upload = contentResult(ctx) as VerifiedUpload;
  return null;
}
