import { runtime, type Context } from '@aws-appsync/utils';
import type { MutationInsertFileArgs } from '../generated/graphql.ts';
import { contentResult, invokeContent, uploadMeasure, type VerifiedUpload } from '../lib/content.ts';

/**
 * Inserting from an upload: before the commit, the Lambda checks the upload is the caller's,
 * finished, and holds the declared sha256 and content type. Inline inserts skip this step.
 */
export function request(ctx: Context<MutationInsertFileArgs>) {
  const input = ctx.args.input;
  if (!input.upload) return runtime.earlyReturn(null);
  return invokeContent({ action: 'verifyUpload', sub: ctx.stash.owner, uploadId: input.upload.uploadId, sha256: input.sha256, contentType: input.contentType });
}

export function response(ctx: Context<MutationInsertFileArgs>) {
  const upload = contentResult(ctx) as VerifiedUpload;
  const measured = uploadMeasure(ctx.stash.encoding as string, upload, ctx.args.input.upload ? ctx.args.input.upload.length : null);
  ctx.stash.upload = upload;
  ctx.stash.size = measured.size;
  ctx.stash.length = measured.length;
  return null;
}
