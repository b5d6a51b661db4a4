import { util, type Context } from '@aws-appsync/utils';
import type { MutationAnnouncePresenceArgs } from '../generated/graphql.ts';
import { forbidden, notFound } from '../lib/errors.ts';
import { aclSk, filePk } from '../lib/keys.ts';
import type { AclItem } from '../lib/items.ts';
import { requireSub } from '../lib/access.ts';

/**
 * Only the caller's member item (about a kilobyte, half a read unit; not the head + members + body
 * Query of other reads): presence is sent several times a second by every open editor. A member
 * item that is missing or revoked is Forbidden, whether or not the file exists (strangers learn nothing).
 */
export function request(ctx: Context<MutationAnnouncePresenceArgs>) {
  return {
    operation: 'GetItem' as const,
    key: util.dynamodb.toMapValues({ pk: filePk(ctx.args.input.fileId), sk: aclSk(requireSub(ctx)) }),
    consistentRead: true,
  };
}

export function response(ctx: Context<MutationAnnouncePresenceArgs>) {
  if (ctx.error) util.error(ctx.error.message, ctx.error.type);
  const fileId = ctx.args.input.fileId;
  const item = ctx.result as AclItem | null;
  if (!item || item.role === 'REVOKED') forbidden(fileId, null, 'announce presence in');
  if (item.deleted) notFound(fileId, true);
  return null;
}
