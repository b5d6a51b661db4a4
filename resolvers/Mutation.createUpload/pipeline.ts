import { util, type Context } from '@aws-appsync/utils';
import type { MutationCreateUploadArgs } from '../generated/graphql.ts';
import { requireSub } from '../lib/access.ts';
import { invalid, tooLarge } from '../lib/errors.ts';
import { maxUploadBytes } from '../lib/quota.ts';

/**
 * createUpload: the product limit on one object (no call when it is passed), then 1.usage (the
 * caller's quota), 2.sign (the Lambda checks the declaration and signs the URLs) and 3.reserve (the
 * session's bytes held against the quota; the URLs leave only once that is written).
 */
export function request(ctx: Context<MutationCreateUploadArgs>) {
  const size = ctx.args.input.size;
  if (!(size >= 0) || Math.floor(size) !== size) invalid('size', 'must be a non-negative integer');
  const max = maxUploadBytes(ctx.env);
  if (size > max) tooLarge('size', max, size);
  ctx.stash.sub = requireSub(ctx);
  ctx.stash.nowSec = Math.floor(util.time.nowEpochMilliSeconds() / 1000);
  return {};
}

export function response(ctx: Context) {
  return ctx.prev.result;
}
