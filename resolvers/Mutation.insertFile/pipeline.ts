import { util, type Context } from '@aws-appsync/utils';
import type { MutationInsertFileArgs } from '../generated/graphql.ts';
import { requireSub } from '../lib/access.ts';
import { checkUploadRef } from '../lib/content.ts';
import { invalid } from '../lib/errors.ts';
import { checkContentType, checkId, checkName, checkSha256, measureContent } from '../lib/validate.ts';

/**
 * insertFile: validate, then 0.verify (an upload only: the Lambda checks it), 1.commit (one
 * transaction) and 2.replay (a retried request gets its first result).
 */
export function request(ctx: Context<MutationInsertFileArgs>) {
  const input = ctx.args.input;
  const owner = requireSub(ctx);
  checkName(input.name);
  checkContentType(input.contentType);
  checkSha256(input.sha256);
  const encoding = input.encoding || 'TEXT';
  if (encoding !== 'TEXT' && encoding !== 'BASE64') invalid('encoding', 'must be TEXT or BASE64');
  const hasContent = input.content !== null && input.content !== undefined;
  if (hasContent === !!input.upload) invalid('content', 'send exactly one of content and upload');
  // An upload's size and length are set by 0.verify.
  const measured = input.upload ? { size: 0, length: 0 } : measureContent(encoding, input.content as string);
  if (input.upload) checkUploadRef(input.upload);
  if (input.id) checkId('id', input.id);
  if (input.requestId) checkId('requestId', input.requestId);
  ctx.stash.owner = owner;
  ctx.stash.fileId = input.id || util.autoId();
  ctx.stash.requestId = input.requestId || util.autoId();
  ctx.stash.encoding = encoding;
  ctx.stash.size = measured.size;
  ctx.stash.length = measured.length;
  return {};
}

export function response(ctx: Context) {
  return ctx.prev.result;
}
