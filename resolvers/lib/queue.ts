import { util } from '@aws-appsync/utils';
import { changePut, changeRecord, requestPut } from './commit.ts';
import { filePk, HEAD_SK } from './keys.ts';
import type { ChangeItem, FileSummary, HeadItem } from './items.ts';
import { MAX_PENDING, QUEUE_BATCH, QUEUED_MAX_AGE_MS } from './limits.ts';
import { tryApplyOps } from './patch.ts';
import { rebaseOps } from './rebase.ts';
import { contentSha256 } from './sha256.ts';
import { utf8Bytes } from './validate.ts';

/**
 * The head's queue (resolvers/README.md "The hot path"): when many people type into one file, an
 * inline text patch that lost the race for the head is appended to `pending` on the head (one
 * UpdateItem, which concurrent appends cannot make fail) instead of trying again and again; whoever
 * commits next takes every queued edit in order, moves each over the ones before it with the same
 * transform as a stale edit, and commits them all in one transaction: one version each, in queue
 * order. The order is decided by the append; the versions, content and SHA-256 by the commit, so
 * everything a reader sees is as before (one patch per version, hashed by the server).
 */
export interface QueuedEdit {
  /** The request id (its idempotency record is written when the edit commits). */
  rid: string;
  /** The version the ops apply after. */
  at: number;
  /** JSON of the v1 text patch's ops (the array) at `at`. */
  ops: string;
  author: string;
  /** When it was queued, epoch ms; its change record's time. */
  t: number;
  /** The request's fingerprint (baseVersion:sha256), kept on its idempotency record. */
  fp: string;
  /** The head's aclVersion when it was queued: an edit queued before a share or unshare is dropped, not committed. */
  acl: number;
  name?: string;
  contentType?: string;
}

/** The queued edits of a head, oldest first. */
export function queueOf(head: HeadItem): QueuedEdit[] {
  const list = (head as { pending?: unknown }).pending;
  return Array.isArray(list) ? (list as QueuedEdit[]) : [];
}

/** True when `rid` is queued on the head. */
export function isQueued(head: HeadItem, rid: string): boolean {
  const ids = (head as { pendingIds?: unknown }).pendingIds;
  return Array.isArray(ids) && ids.includes(rid);
}

/**
 * Appends an edit to the head's queue: only on a live head with the members the writer saw, not twice
 * for one request id, and not past MAX_PENDING edits. Returns the head after it (ALL_NEW), so the
 * writer knows everything queued before it.
 */
export function appendRequest(head: HeadItem, edit: QueuedEdit) {
  return {
    operation: 'UpdateItem' as const,
    key: util.dynamodb.toMapValues({ pk: filePk(head.id), sk: HEAD_SK }),
    update: {
      expression: 'SET #pending = list_append(if_not_exists(#pending, :empty), :edit), #pendingIds = list_append(if_not_exists(#pendingIds, :empty), :rids)',
      expressionNames: { '#pending': 'pending', '#pendingIds': 'pendingIds' },
      expressionValues: util.dynamodb.toMapValues({ ':edit': [edit], ':rids': [edit.rid], ':empty': [] }),
    },
    condition: {
      expression: '#deleted = :false AND #aclVersion = :acl AND (attribute_not_exists(#pendingIds) OR (size(#pendingIds) < :max AND NOT contains(#pendingIds, :rid)))',
      expressionNames: { '#deleted': 'deleted', '#aclVersion': 'aclVersion', '#pendingIds': 'pendingIds' },
      expressionValues: util.dynamodb.toMapValues({ ':false': false, ':acl': head.aclVersion, ':max': MAX_PENDING, ':rid': edit.rid }),
    },
  };
}

/** One queued edit as committed: its version, moved patch, and the content it makes. */
export interface Committed {
  edit: QueuedEdit;
  version: number;
  patch: string;
  content: string;
  sha256: string;
}

/** What committing the queue's first edits does: the ones committed, and the ones dropped (in queue order). */
export interface Batch {
  committed: Committed[];
  /** How many edits leave the queue's front (committed or dropped). */
  taken: number;
  dropped: string[];
}

/**
 * Commits the head's queued edits in order onto `content` (the content at the head's version), at
 * most QUEUE_BATCH of them. `known` holds the committed patches the caller has read (from the head's
 * recent patches or the log), `[version, patchJson]` ascending; when an edit needs one it lacks,
 * `missing` names it (the batch stops there and the caller reads the log first). An edit is dropped,
 * never committed, when it was queued under other members, more than QUEUED_MAX_AGE_MS ago (its
 * writer gave up; a retry queues it again), is a request id that already committed (`done`), was made
 * before whole content replaced the text (`fullAt`: there is no patch to move it over), or no
 * longer applies (which the transform rules out for an edit checked at its own version, but a stuck
 * queue would stop every writer of the file).
 */
export function planBatch(head: HeadItem, content: string, known: unknown[][], done: string[]): { batch: Batch; missing: number | null } {
  const now = util.time.nowEpochMilliSeconds();
  const committed: Committed[] = [];
  const dropped: string[] = [];
  const chain = known.slice(0);
  let version = head.version;
  let text = content;
  let taken = 0;
  let missing: number | null = null;
  const fullAt = typeof head.fullAt === 'number' ? head.fullAt : 0;
  for (const edit of queueOf(head)) {
    if (taken >= QUEUE_BATCH || missing !== null) break;
    if (edit.acl !== head.aclVersion || now - edit.t > QUEUED_MAX_AGE_MS || done.includes(edit.rid) || edit.at > version || edit.at < fullAt) {
      dropped.push(edit.rid);
      taken = taken + 1;
    } else {
      const moved = moveOver(JSON.parse(edit.ops) as unknown[], edit.at, version, chain);
      if (moved.missing !== null) {
        missing = moved.missing;
      } else {
        const next = tryApplyOps(moved.ops, text);
        taken = taken + 1;
        if (next === null) {
          dropped.push(edit.rid);
        } else {
          version = version + 1;
          text = next;
          const patch = JSON.stringify({ v: 1, t: 'text', ops: moved.ops });
          chain.push([version, patch]);
          committed.push({ edit, version, patch, content: text, sha256: contentSha256('TEXT', text) });
        }
      }
    }
  }
  return { batch: { committed, taken, dropped }, missing };
}

/** Ops made at `from`, moved over the committed patches `from + 1 … to` of `chain`; `missing`: the first of them not in it. */
function moveOver(ops: unknown[], from: number, to: number, chain: unknown[][]): { ops: unknown[]; missing: number | null } {
  let moved = ops;
  let expected = from + 1;
  for (const entry of chain) {
    const v = entry[0] as number;
    if (v === expected && v <= to) {
      moved = rebaseOps(moved, (JSON.parse(entry[1] as string) as { ops: unknown[] }).ops);
      expected = expected + 1;
    }
  }
  return { ops: moved, missing: expected <= to ? expected : null };
}

/** The summary a committed queued edit leaves on the head and its change record. */
export function batchSummary(head: HeadItem, c: Committed): FileSummary {
  return {
    id: head.id,
    name: c.edit.name || head.name,
    contentType: c.edit.contentType || head.contentType,
    encoding: head.encoding,
    size: utf8Bytes(c.content),
    length: c.content.length,
    sha256: c.sha256,
    version: c.version,
    owner: head.owner,
    createdAt: head.createdAt,
    updatedAt: util.time.epochMilliSecondsToISO8601(c.edit.t),
    updatedBy: c.edit.author,
    deleted: false,
  };
}

/** The change record of a committed queued edit (who muted the file at this commit, as any modify's). */
export function batchChange(head: HeadItem, c: Committed, muted: string[]): ChangeItem {
  const change = changeRecord(batchSummary(head, c), 'MODIFY', c.edit.rid, null);
  change.muted = muted;
  change.patch = c.patch;
  return change;
}

/**
 * The transaction committing a batch: [0] the head at the batch's last version (summary, recent
 * patches, body version), the batch's edits removed from the queue's front, only if the head is still
 * at the version the batch was planned on; then each committed edit's change record and idempotency
 * record (an idempotency record that exists means that request committed before: its edit is a
 * duplicate, dropped on the next try); then `extra` (the BODY rewrite, when due).
 */
export function batchItems(table: string, head: HeadItem, batch: Batch, changes: ChangeItem[], headValues: Record<string, unknown>, extra: unknown[], remove: string[]) {
  const names: Record<string, string> = { '#pending': 'pending', '#pendingIds': 'pendingIds' };
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const key of Object.keys(headValues)) {
    names[`#h_${key}`] = key;
    values[`:h_${key}`] = headValues[key];
    sets.push(`#h_${key} = :h_${key}`);
  }
  const removes: string[] = [];
  for (const key of remove) {
    names[`#r_${key}`] = key;
    removes.push(`#r_${key}`);
  }
  let i = 0;
  for (const _ of queueOf(head).slice(0, batch.taken)) {
    removes.push(`#pending[${i}]`, `#pendingIds[${i}]`);
    i = i + 1;
  }
  const expression = `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`;
  const items: unknown[] = [
    {
      table,
      operation: 'UpdateItem' as const,
      key: util.dynamodb.toMapValues({ pk: filePk(head.id), sk: HEAD_SK }),
      update: { expression, expressionNames: names, expressionValues: util.dynamodb.toMapValues(values) },
      condition: {
        expression: '#version = :base AND #deleted = :false AND #aclVersion = :acl',
        expressionNames: { '#version': 'version', '#deleted': 'deleted', '#aclVersion': 'aclVersion' },
        expressionValues: util.dynamodb.toMapValues({ ':base': head.version, ':false': false, ':acl': head.aclVersion }),
        returnValuesOnConditionCheckFailure: true,
      },
    },
  ];
  let k = 0;
  for (const change of changes) {
    items.push(changePut(table, change));
    items.push(requestPut(table, change, batch.committed[k]!.edit.fp));
    k = k + 1;
  }
  return items.concat(extra);
}

/** The request ids whose idempotency record already existed when a batch's transaction was cancelled (item 2 + 2k). */
export function duplicatesOf(reasons: Array<{ type?: string }>, changes: ChangeItem[]): string[] {
  const out: string[] = [];
  let k = 0;
  for (const change of changes) {
    const r = reasons[2 + 2 * k];
    if (r && r.type === 'ConditionalCheckFailed') out.push(change.requestId);
    k = k + 1;
  }
  return out;
}
