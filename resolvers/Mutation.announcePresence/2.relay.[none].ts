import { util, type Context } from '@aws-appsync/utils';
import type { MutationAnnouncePresenceArgs } from '../generated/graphql.ts';
import { requireSub } from '../lib/access.ts';

/** NONE: the announcement, with the caller's sub from their token, is the result AppSync publishes. */
export function request(ctx: Context<MutationAnnouncePresenceArgs>) {
  const input = ctx.args.input;
  return {
    payload: {
      fileId: input.fileId,
      userId: requireSub(ctx),
      sessionId: input.sessionId,
      name: input.name,
      anchor: input.anchor,
      head: input.head,
      version: input.version,
      leaving: input.leaving === true,
      at: util.time.nowISO8601(),
    },
  };
}

export function response(ctx: Context) {
  return ctx.result;
}
