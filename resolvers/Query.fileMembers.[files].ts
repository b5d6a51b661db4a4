import type { Context } from '@aws-appsync/utils';
import type { QueryFileMembersArgs } from './generated/graphql.ts';
import { authorize, headAndMembersRequest, MEMBERS, requireSub } from './lib/access.ts';
import { checkId } from './lib/validate.ts';
import type { AclItem } from './lib/items.ts';

/** The same head + members Query as any read: the caller's role and the member list in one. */
export function request(ctx: Context<QueryFileMembersArgs>) {
  requireSub(ctx);
  checkId('fileId', ctx.args.fileId);
  return headAndMembersRequest(ctx.args.fileId);
}

/** Any member sees who else is on the file; the owner first, then the others as stored. */
export function response(ctx: Context<QueryFileMembersArgs>) {
  authorize(ctx, ctx.args.fileId, MEMBERS, 'list the members of', false);
  const owners = [];
  const others = [];
  for (const item of ((ctx.result && ctx.result.items) || []) as AclItem[]) {
    const member = { fileId: ctx.args.fileId, userId: item.member, role: item.role };
    if (item.sk.startsWith('ACL#') && item.role === 'OWNER') owners.push(member);
    else if (item.sk.startsWith('ACL#') && item.role !== 'REVOKED') others.push(member);
  }
  return owners.concat(others);
}
