import { util, type Context } from '@aws-appsync/utils';
import type { MutationDeleteFileArgs } from '../generated/graphql.ts';
import { requireSub } from '../lib/access.ts';
import { invalid } from '../lib/errors.ts';
import { checkId } from '../lib/validate.ts';

/** deleteFile: 1.authorize (owner only), 2.commit (tombstone + DELETE change), 3.replay. */
export function request(ctx: Context<MutationDeleteFileArgs>) {
  const input = ctx.args.input;
  requireSub(ctx);
  checkId('id', input.id);
  if (input.requestId) checkId('requestId', input.requestId);
  if (input.baseVersion !== null && input.baseVersion !== undefined && input.baseVersion < 1) invalid('baseVersion', 'must be at least 1');
  ctx.stash.fileId = input.id;
  ctx.stash.requestId = input.requestId || util.autoId();
  return {};
}

export function response(ctx: Context) {
  return ctx.prev.result;
}
