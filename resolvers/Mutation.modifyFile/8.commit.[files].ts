import type { Context } from '@aws-appsync/utils';
import type { MutationModifyFileArgs } from '../generated/graphql.ts';
import { commitResponse } from '../lib/modify.ts';

/** Attempt 6, the last: losing again is a Conflict the SDK resolves (catch up, resend). */
export { commitRequest as request } from '../lib/modify.ts';

export function response(ctx: Context<MutationModifyFileArgs>) {
  return commitResponse(ctx, true);
}
