import { runtime, util, type Context } from '@aws-appsync/utils';
import type { QueryGetFileChangesArgs } from '../generated/graphql.ts';
import type { Access } from '../lib/access.ts';
import { filePk, versionSk } from '../lib/keys.ts';
import { changeFromItem } from '../lib/shapes.ts';
import { bodyOf } from '../lib/body.ts';
import type { BodyItem, ChangeItem, HeadItem } from '../lib/items.ts';
import { SNAPSHOT_EVERY } from '../lib/limits.ts';

export function request(ctx: Context<QueryGetFileChangesArgs>) {
  const { head, body } = ctx.stash.access as Access;
  let since = ctx.stash.since as number;
  if (since >= head.version) return runtime.earlyReturn({ snapshot: null, items: [], nextToken: null, headVersion: head.version });
  // A reader far behind starts from a snapshot (first page only): inline content is the file's body.
  if (!ctx.args.nextToken && !head.deleted && head.version - since > SNAPSHOT_EVERY) {
    const snapshot = snapshotOf(head, body);
    if (snapshot && snapshot.version > since) {
      ctx.stash.snapshot = snapshot;
      since = snapshot.version;
      ctx.stash.since = since;
      if (since >= head.version) return runtime.earlyReturn({ snapshot, items: [], nextToken: null, headVersion: head.version });
    }
  }
  return {
    operation: 'Query' as const,
    query: {
      expression: 'pk = :pk AND sk BETWEEN :from AND :to',
      expressionValues: util.dynamodb.toMapValues({ ':pk': filePk(head.id), ':from': versionSk(since + 1), ':to': versionSk(9999999999) }),
    },
    limit: ctx.stash.limit as number,
    consistentRead: true,
  };
}

/**
 * Versions must run since + 1, since + 2, ... without a gap. A missing first version (expired by
 * TTL, or compacted) or a hole is LogTruncated, never a silent skip.
 */
export function response(ctx: Context<QueryGetFileChangesArgs>) {
  if (ctx.error) util.error(ctx.error.message, ctx.error.type);
  const { head } = ctx.stash.access as Access;
  const since = ctx.stash.since as number;
  const items = ((ctx.result && ctx.result.items) || []) as ChangeItem[];
  let expected = since + 1;
  const changes = [];
  for (const item of items) {
    if (item.version !== expected) {
      util.error(`the change log of file ${head.id} no longer covers version ${expected}; fetch the file with getFile`, 'LogTruncated', null, {
        fileId: head.id,
        headVersion: head.version,
        coveredFrom: items.length > 0 ? (items[0] as ChangeItem).version : null,
      });
    }
    changes.push(changeFromItem(item));
    expected = expected + 1;
  }
  if (changes.length === 0) {
    util.error(`the change log of file ${head.id} no longer covers version ${since + 1}; fetch the file with getFile`, 'LogTruncated', null, {
      fileId: head.id,
      headVersion: head.version,
      coveredFrom: null,
    });
  }
  const last = expected - 1;
  const headVersion = last > head.version ? last : head.version;
  return { snapshot: ctx.stash.snapshot || null, items: changes, nextToken: last < headVersion ? `${last}` : null, headVersion };
}

/** The newest whole content the file holds: its body (inline, at the body's version), or the S3 object at `contentVersion`. */
function snapshotOf(head: HeadItem, body: BodyItem | null) {
  if (head.contentKey) return { version: head.contentVersion as number, sha256: head.contentSha256 as string, content: null, contentKey: head.contentKey };
  const known = bodyOf(head, body);
  return known ? { version: known.version, sha256: known.sha256, content: known.content, contentKey: null } : null;
}
