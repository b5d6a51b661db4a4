import type { Context } from '@aws-appsync/utils';
import type { MutationModifyFileArgs } from '../generated/graphql.ts';
import { commitResponse } from '../lib/modify.ts';

/** Attempt 1: transform, apply, hash and commit at the head read by 1.authorize (lib/modify.ts). */
export { commitRequest as request } from '../lib/modify.ts';

export function response(ctx: Context<MutationModifyFileArgs>) {
  return commitResponse(ctx, false);
}
