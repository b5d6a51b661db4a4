import type { Context } from '@aws-appsync/utils';
import type { MutationAnnouncePresenceArgs } from '../generated/graphql.ts';
import { requireSub } from '../lib/access.ts';
import { invalid } from '../lib/errors.ts';
import { checkId } from '../lib/validate.ts';

const MAX_OFFSET = 10_000_000;

/**
 * announcePresence: 1.authorize (the caller's own member item: one small read, no write),
 * 2.relay (NONE: the announcement goes to onPresence subscribers and nowhere else).
 */
export function request(ctx: Context<MutationAnnouncePresenceArgs>) {
  requireSub(ctx);
  const input = ctx.args.input;
  checkId('fileId', input.fileId);
  checkId('sessionId', input.sessionId);
  if (input.name.length < 1 || input.name.length > 128) invalid('name', 'must be 1..128 characters');
  if (input.version < 0) invalid('version', 'must be at least 0');
  if (input.anchor < 0 || input.anchor > MAX_OFFSET) invalid('anchor', `must be 0..${MAX_OFFSET}`);
  if (input.head < 0 || input.head > MAX_OFFSET) invalid('head', `must be 0..${MAX_OFFSET}`);
  return {};
}

export function response(ctx: Context) {
  return ctx.prev.result;
}
