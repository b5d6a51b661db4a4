import type { Context } from '@aws-appsync/utils';
import type { MutationShareFileArgs } from '../generated/graphql.ts';
import { requireSub } from '../lib/access.ts';
import { invalid } from '../lib/errors.ts';
import { checkId } from '../lib/validate.ts';

/**
 * shareFile: 1.authorize (owner only), 2.commit (member item + head aclVersion, one transaction).
 * Only data-free checks here: "the caller names themself" depends on who may share, so 1.authorize
 * makes it after the role check (a stranger or a viewer is Forbidden first).
 */
export function request(ctx: Context<MutationShareFileArgs>) {
  const input = ctx.args.input;
  requireSub(ctx);
  checkId('fileId', input.fileId);
  checkId('userId', input.userId);
  if (input.role !== 'EDITOR' && input.role !== 'VIEWER') invalid('role', 'must be EDITOR or VIEWER');
  return {};
}

export function response(ctx: Context) {
  return ctx.prev.result;
}
