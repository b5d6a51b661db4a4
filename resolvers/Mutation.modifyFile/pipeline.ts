import type { Context } from '@aws-appsync/utils';
import type { MutationModifyFileArgs } from '../generated/graphql.ts';
import { requireSub } from '../lib/access.ts';
import { checkUploadRef } from '../lib/content.ts';
import { invalid } from '../lib/errors.ts';
import { checkContentType, checkId, checkName, checkSha256 } from '../lib/validate.ts';

/**
 * modifyFile, the hot path: validate here, then 0.verify (uploads only), 1.authorize (head + members, one Query),
 * 2.missed + 3.commit (a stale text patch is moved over the changes it missed, applied, hashed and
 * committed in one transaction: head -> head + 1, change record, idempotency record), 4..8.commit (up to
 * five more attempts after a lost race or a stale arrival: the edit joins the head's queue and a batch
 * commits the queued edits in order, lib/queue.ts), 9.replay (a retried request id, or an edit another
 * writer's batch committed, gets its change). See lib/modify.ts and resolvers/README.md.
 */
export function request(ctx: Context<MutationModifyFileArgs>) {
  const input = ctx.args.input;
  requireSub(ctx);
  checkId('id', input.id);
  checkId('requestId', input.requestId);
  checkSha256(input.sha256);
  if (input.baseVersion < 1) invalid('baseVersion', 'must be at least 1');
  const hasPatch = input.patch !== null && input.patch !== undefined;
  const hasContent = input.content !== null && input.content !== undefined;
  const hasUpload = !!input.upload;
  if ((hasPatch ? 1 : 0) + (hasContent ? 1 : 0) + (hasUpload ? 1 : 0) !== 1) invalid('patch', 'send exactly one of patch, content and upload');
  if (input.upload) checkUploadRef(input.upload);
  if (input.name !== null && input.name !== undefined) checkName(input.name);
  if (input.contentType !== null && input.contentType !== undefined) checkContentType(input.contentType);
  ctx.stash.fileId = input.id;
  return {};
}

export function response(ctx: Context) {
  return ctx.prev.result;
}
