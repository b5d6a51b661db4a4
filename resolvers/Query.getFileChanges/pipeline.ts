import { util, type Context } from '@aws-appsync/utils';
import type { QueryGetFileChangesArgs } from '../generated/graphql.ts';
import { invalid } from '../lib/errors.ts';
import { checkId, pageLimit } from '../lib/validate.ts';

/**
 * getFileChanges: 1.authorize (any role, or IAM), 2.changes. The nextToken is the last version
 * returned, so every page is checked for contiguity from its own start.
 */
export function request(ctx: Context<QueryGetFileChangesArgs>) {
  checkId('fileId', ctx.args.fileId);
  if (ctx.args.sinceVersion < 0) invalid('sinceVersion', 'must be at least 0');
  let since = ctx.args.sinceVersion;
  if (ctx.args.nextToken) {
    if (!util.matches('^[0-9]{1,10}$', ctx.args.nextToken)) invalid('nextToken', 'is not a token this API handed out');
    since = Number(ctx.args.nextToken);
    if (since < ctx.args.sinceVersion) invalid('nextToken', 'belongs to an earlier sinceVersion');
  }
  ctx.stash.since = since;
  ctx.stash.limit = pageLimit(ctx.args.limit);
  return {};
}

export function response(ctx: Context) {
  return ctx.prev.result;
}
