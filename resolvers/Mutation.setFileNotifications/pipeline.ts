import type { Context } from '@aws-appsync/utils';
import type { MutationSetFileNotificationsArgs } from '../generated/graphql.ts';
import { requireSub } from '../lib/access.ts';
import { checkId } from '../lib/validate.ts';

/** setFileNotifications: 1.authorize (any member), 2.commit (the caller's own member item). */
export function request(ctx: Context<MutationSetFileNotificationsArgs>) {
  requireSub(ctx);
  checkId('fileId', ctx.args.input.fileId);
  return {};
}

export function response(ctx: Context) {
  return ctx.prev.result;
}
