import { util, type Context } from '@aws-appsync/utils';
import type { MutationRenameFileArgs } from '../generated/graphql.ts';
import { requireSub } from '../lib/access.ts';
import { invalid } from '../lib/errors.ts';
import { checkId, checkName } from '../lib/validate.ts';

/** renameFile: 1.authorize (owners and editors), 2.commit (the next version, same content, new name), 3.replay. */
export function request(ctx: Context<MutationRenameFileArgs>) {
  const input = ctx.args.input;
  requireSub(ctx);
  checkId('id', input.id);
  if (input.requestId) checkId('requestId', input.requestId);
  checkName(input.name);
  if (input.baseVersion !== null && input.baseVersion !== undefined && input.baseVersion < 1) invalid('baseVersion', 'must be at least 1');
  ctx.stash.fileId = input.id;
  ctx.stash.requestId = input.requestId || util.autoId();
  return {};
}

export function response(ctx: Context) {
  return ctx.prev.result;
}
