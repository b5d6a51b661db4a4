import { util, type Context } from '@aws-appsync/utils';
import { forbidden, invalid, notFound } from './errors.ts';
import { BODY_SK, filePk, HEAD_SK } from './keys.ts';
import type { AclItem, BodyItem, HeadItem } from './items.ts';

/** What authorization found, kept in the stash for later pipeline functions. */
export interface Access {
  head: HeadItem;
  /** Active members (owner included), for the member index fan-out. */
  members: string[];
  /** Active members who muted the file's notifications (setFileNotifications). */
  muted: string[];
  /** The caller's role; 'BACKEND' for IAM callers, null for strangers. */
  role: string | null;
  /** The BODY item (inline content at some version), when the file has one. */
  body: BodyItem | null;
}

/** One consistent Query loads the head, its members and its body: ACL#..., then BODY, sort just before HEAD. */
export function headAndMembersRequest(fileId: string) {
  return {
    operation: 'Query' as const,
    query: {
      expression: 'pk = :pk AND sk BETWEEN :from AND :to',
      expressionValues: util.dynamodb.toMapValues({ ':pk': filePk(fileId), ':from': 'ACL#', ':to': HEAD_SK }),
    },
    consistentRead: true,
    limit: 1000,
  };
}

/** The caller's Cognito sub, or null for IAM callers. */
export function callerSub(ctx: Context): string | null {
  const identity = ctx.identity as { sub?: string } | null | undefined;
  return identity && identity.sub ? identity.sub : null;
}

/** The caller's sub; IAM callers may not use this operation. */
export function requireSub(ctx: Context): string {
  const sub = callerSub(ctx);
  if (!sub) invalid('identity', 'this operation needs a Cognito user');
  return sub as string;
}

/**
 * Reads the Query result of headAndMembersRequest and checks the caller's role against `allowed`
 * ('BACKEND' admits IAM callers). A missing file is NotFound; a deleted one too unless
 * `allowDeleted` (writes let the commit decide, so an idempotent retry still finds its result).
 */
export function authorize(ctx: Context, fileId: string, allowed: string[], what: string, allowDeleted: boolean): Access {
  if (ctx.error) util.error(ctx.error.message, ctx.error.type);
  const items = ((ctx.result && ctx.result.items) || []) as Array<HeadItem | AclItem>;
  const sub = callerSub(ctx);
  let head: HeadItem | null = null;
  const members: string[] = [];
  const muted: string[] = [];
  let role: string | null = sub ? null : 'BACKEND';
  let body: BodyItem | null = null;
  for (const item of items) {
    if (item.sk === HEAD_SK) {
      head = item as HeadItem;
    } else if (item.sk === BODY_SK) {
      body = item as unknown as BodyItem;
    } else {
      const acl = item as AclItem;
      if (acl.role !== 'REVOKED') {
        members.push(acl.member);
        if (acl.muted === true) muted.push(acl.member);
        if (sub && acl.member === sub) role = acl.role;
      }
    }
  }
  if (!head) return notFound(fileId, false);
  if (head.deleted && !allowDeleted) notFound(fileId, true);
  if (!role || !allowed.includes(role)) forbidden(fileId, role, what);
  return { head, members, muted, role, body };
}

export const READERS = ['OWNER', 'EDITOR', 'VIEWER', 'BACKEND'];
/** Every member, and only members (no backend callers): settings of one's own membership. */
export const MEMBERS = ['OWNER', 'EDITOR', 'VIEWER'];
export const WRITERS = ['OWNER', 'EDITOR'];
export const OWNERS = ['OWNER'];
