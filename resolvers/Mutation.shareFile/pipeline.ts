import type { Context } from '@aws-appsync/utils';
import type { MutationShareFileArgs } from '../generated/graphql.ts';
import { requireSub } from '../lib/access.ts';
import { invalid } from '../lib/errors.ts';
import { checkId } from '../lib/validate.ts';

/** shareFile: 1.authorize (owner only), 2.commit (member item + head aclVersion, one transaction). */
export function request(ctx: Context<MutationShareFileArgs>) {
  const input = ctx.args.input;
  const sub = requireSub(ctx);
  checkId('fileId', input.fileId);
  checkId('userId', input.userId);
  if (input.role !== 'EDITOR' && input.role !== 'VIEWER') invalid('role', 'must be EDITOR or VIEWER');
  if (input.userId === sub) invalid('userId', 'the owner cannot share a file with themself');
  return {};
}

export function response(ctx: Context) {
  return ctx.prev.result;
}
