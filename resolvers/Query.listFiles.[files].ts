import { util, type Context } from '@aws-appsync/utils';
import type { QueryListFilesArgs } from './generated/graphql.ts';
import { requireSub } from './lib/access.ts';
import { MEMBER_INDEX } from './lib/keys.ts';
import { fileFromMember } from './lib/shapes.ts';
import { pageLimit } from './lib/validate.ts';
import type { AclItem } from './lib/items.ts';

/** The caller's member items on the byMember index, most recently changed first: no Scan. */
export function request(ctx: Context<QueryListFilesArgs>) {
  const sub = requireSub(ctx);
  const filter = ctx.args.includeDeleted
    ? { expression: '#role <> :revoked', expressionNames: { '#role': 'role' }, expressionValues: util.dynamodb.toMapValues({ ':revoked': 'REVOKED' }) }
    : {
        expression: '#role <> :revoked AND #deleted = :false',
        expressionNames: { '#role': 'role', '#deleted': 'deleted' },
        expressionValues: util.dynamodb.toMapValues({ ':revoked': 'REVOKED', ':false': false }),
      };
  return {
    operation: 'Query' as const,
    index: MEMBER_INDEX,
    query: { expression: '#member = :member', expressionNames: { '#member': 'member' }, expressionValues: util.dynamodb.toMapValues({ ':member': sub }) },
    filter,
    scanIndexForward: false,
    limit: pageLimit(ctx.args.limit),
    nextToken: ctx.args.nextToken || undefined,
  };
}

export function response(ctx: Context<QueryListFilesArgs>) {
  if (ctx.error) util.error(ctx.error.message, ctx.error.type);
  const items = ((ctx.result && ctx.result.items) || []) as AclItem[];
  const files = [];
  for (const item of items) files.push(fileFromMember(item));
  return { items: files, nextToken: (ctx.result && ctx.result.nextToken) || null };
}
