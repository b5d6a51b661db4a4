import type { Context } from '@aws-appsync/utils';
import type { MutationUnshareFileArgs } from '../generated/graphql.ts';
import { requireSub } from '../lib/access.ts';
import { checkId } from '../lib/validate.ts';

/** unshareFile: 1.authorize (the owner, or the member leaving), 2.commit (member item revoked + head aclVersion). */
export function request(ctx: Context<MutationUnshareFileArgs>) {
  requireSub(ctx);
  checkId('fileId', ctx.args.input.fileId);
  checkId('userId', ctx.args.input.userId);
  return {};
}

export function response(ctx: Context) {
  return ctx.prev.result;
}
