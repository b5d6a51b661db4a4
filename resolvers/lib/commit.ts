import { util } from '@aws-appsync/utils';
import { filePk, HEAD_SK, requestSk, syncKey, versionSk } from './keys.ts';
import { CHANGE_RETENTION_SECONDS, REQUEST_RETENTION_SECONDS } from './limits.ts';
import { expiresIn, memberUpdates, setExpression } from './tx.ts';
import type { ChangeItem, FileSummary, HeadItem } from './items.ts';

/** Who may see a file at commit time: the active members, and those of them who muted its notifications. */
export interface Audience {
  members: string[];
  muted: string[];
}

/**
 * The change record of a commit whose result is `summary` (its version, author and time). An insert or
 * a delete also keeps the file's audience as the commit saw it (the transaction's aclVersion condition
 * proves the member list current): the members and those of them who muted it (the notify handler's
 * recipients are the members but the muted and the author). A modify keeps only who muted (the caller
 * sets `muted`; usually empty), so what an edit writes does not grow with the member list: the notify
 * handler reads the members when it publishes, a moment later (resolvers/README.md, data model).
 */
export function changeRecord(summary: FileSummary, op: string, requestId: string, audience: Audience | null): ChangeItem {
  const change: ChangeItem = {
    fileId: summary.id,
    version: summary.version,
    op,
    author: summary.updatedBy,
    at: summary.updatedAt,
    name: summary.name,
    contentType: summary.contentType,
    encoding: summary.encoding,
    size: summary.size,
    length: summary.length,
    sha256: summary.sha256,
    requestId,
    deleted: summary.deleted,
    expiresAt: expiresIn(CHANGE_RETENTION_SECONDS),
    owner: summary.owner,
  };
  if (audience) {
    change.members = audience.members;
    change.muted = audience.muted;
  }
  return change;
}

/**
 * The one transaction of a write to an existing file (modifyFile, deleteFile), in the order
 * lib/outcome.ts reads a cancellation by (HEAD_ITEM, REQUEST_ITEM):
 *   [0] the head moves from `base` to `change.version` with `update`, only if it is still at `base`,
 *       not deleted, and its members are the ones authorize saw (aclVersion); with `queueEmpty`
 *       (a modify) also only when no edit waits in the head's queue (lib/queue.ts), which commits first;
 *   [1] the change record, only if absent (versions are never overwritten);
 *   [2] the idempotency record, only if absent (a retry is recognised here);
 *   [3…] with `indexMembers` (deleteFile), every active member's index item: the new summary and a
 *        fresh sync key. A modify leaves them to the member-index stream handler (handlers/members),
 *        so what an edit writes does not grow with the member list;
 *   then `extra` (the BODY put or delete, lib/body.ts).
 */
export function fileWriteItems(
  table: string,
  head: HeadItem,
  members: string[],
  base: number,
  update: ReturnType<typeof setExpression>,
  change: ChangeItem,
  summary: FileSummary,
  opts: { indexMembers: boolean; fingerprint?: string; extra?: unknown[]; queueEmpty?: boolean },
) {
  const pk = filePk(head.id);
  const queue = opts.queueEmpty ? ' AND (attribute_not_exists(#pendingIds) OR size(#pendingIds) = :zero)' : '';
  const names: Record<string, string> = { '#version': 'version', '#deleted': 'deleted', '#aclVersion': 'aclVersion' };
  const values: Record<string, unknown> = { ':base': base, ':false': false, ':acl': head.aclVersion };
  if (opts.queueEmpty) {
    names['#pendingIds'] = 'pendingIds';
    values[':zero'] = 0;
  }
  return [
    {
      table,
      operation: 'UpdateItem' as const,
      key: util.dynamodb.toMapValues({ pk, sk: HEAD_SK }),
      update,
      condition: {
        expression: `#version = :base AND #deleted = :false AND #aclVersion = :acl${queue}`,
        expressionNames: names,
        expressionValues: util.dynamodb.toMapValues(values),
        returnValuesOnConditionCheckFailure: true,
      },
    },
    changePut(table, change),
    requestPut(table, change, opts.fingerprint),
    ...(opts.indexMembers ? memberUpdates(table, head.id, members, summary, syncKey(util.time.nowEpochMilliSeconds(), head.id)) : []),
    ...(opts.extra || []),
  ];
}

/** Puts the change record, only if absent: a version is written once. */
export function changePut(table: string, change: ChangeItem) {
  return {
    table,
    operation: 'PutItem' as const,
    key: util.dynamodb.toMapValues({ pk: filePk(change.fileId), sk: versionSk(change.version) }),
    attributeValues: util.dynamodb.toMapValues(change),
    condition: { expression: 'attribute_not_exists(pk)', returnValuesOnConditionCheckFailure: false },
  };
}

/**
 * Puts the idempotency record of the change's request, only if absent; a failure returns the version it
 * committed and the request's `fingerprint` (base version and stated sha256), so a request id reused for
 * a different edit is refused rather than answered with another edit's change.
 */
export function requestPut(table: string, change: ChangeItem, fingerprint?: string) {
  return {
    table,
    operation: 'PutItem' as const,
    key: util.dynamodb.toMapValues({ pk: filePk(change.fileId), sk: requestSk(change.requestId) }),
    attributeValues: util.dynamodb.toMapValues(
      fingerprint === undefined
        ? { version: change.version, expiresAt: expiresIn(REQUEST_RETENTION_SECONDS) }
        : { version: change.version, fingerprint, expiresAt: expiresIn(REQUEST_RETENTION_SECONDS) },
    ),
    condition: { expression: 'attribute_not_exists(pk)', returnValuesOnConditionCheckFailure: true },
  };
}
