import { util, type Context } from '@aws-appsync/utils';
import type { MutationModifyFileArgs } from '../generated/graphql.ts';
import type { Access } from './access.ts';
import { bodyPut } from './body.ts';
import { invalid, notFound, conflict, busy } from './errors.ts';
import type { ChangeItem, HeadItem } from './items.ts';
import { BATCH_RECENT_CHARS, BATCH_RECENT_PATCHES, LEADER_GRACE_MS, TAIL_CHARS, TAIL_PATCHES } from './limits.ts';
import { HEAD_ITEM } from './outcome.ts';
import { applyTextPatch } from './patch.ts';
import { appendRequest, batchChange, batchItems, batchSummary, duplicatesOf, isQueued, queueOf, type Batch, type QueuedEdit } from './queue.ts';
import { contentSha256 } from './sha256.ts';
import { changeFromItem } from './shapes.ts';
import { bool, conditionFailure, filesTable, num, plainItem, transactionConflict } from './tx.ts';
import { nextRecent, remember, takeHead, type Progress } from './progress.ts';

/**
 * modifyFile's attempts on the head's queue (lib/queue.ts, resolvers/README.md "Many writers on one
 * head"): appending the edit, committing a batch of queued edits, and finding out what became of an
 * edit that left the queue (committed by another writer's batch, or dropped).
 */
/**
 * True when this request commits the queue: its edit is first, or the first one has waited longer
 * than LEADER_GRACE_MS (its writer seems stalled). One batch at a time, and the writers queued behind
 * it join the next one instead of racing it (each race a cancelled transaction).
 */
export function leads(queue: QueuedEdit[], rid: string): boolean {
  const first = queue[0] as QueuedEdit;
  return first.rid === rid || util.time.nowEpochMilliSeconds() - first.t > LEADER_GRACE_MS;
}

/** The lowest version after which the queue's edits need the committed patches. */
export function queueLow(p: Progress): number {
  let m = p.head.version;
  for (const edit of queueOf(p.head)) {
    if (edit.at < m) m = edit.at;
  }
  return m;
}

/** The version the head's last batch gave request `rid`, or null. */
export function batchVersion(head: HeadItem, rid: string): number | null {
  const json = (head as { batchIds?: unknown }).batchIds;
  if (typeof json !== 'string') return null;
  const ids = JSON.parse(json) as Record<string, number>;
  return typeof ids[rid] === 'number' ? ids[rid] : null;
}

/**
 * `queue`: the edit, moved to the head's version, is checked there (it applies; at its own base the
 * stated sha256 is the server's) and appended to the head's queue. The batch that commits it moves
 * it over the edits queued before it.
 */
export function queueRequest(ctx: Context<MutationModifyFileArgs>, p: Progress) {
  const input = ctx.args.input;
  const applied = applyTextPatch({ v: 1, t: 'text', ops: p.ops }, p.content as string);
  if (p.at === input.baseVersion) {
    const sha256 = contentSha256('TEXT', applied);
    if (sha256 !== input.sha256) invalid('sha256', `is not the SHA-256 of the patched content (${sha256})`);
  }
  const edit: QueuedEdit = {
    rid: input.requestId,
    at: p.at,
    ops: JSON.stringify(p.ops),
    author: (ctx.identity as { sub: string }).sub,
    t: util.time.nowEpochMilliSeconds(),
    fp: `${input.baseVersion}:${input.sha256}`,
    acl: p.head.aclVersion,
  };
  if (input.name) edit.name = input.name;
  if (input.contentType) edit.contentType = input.contentType;
  p.action = 'queue';
  return appendRequest(p.head, edit);
}

/** `batch`: the queue's first edits committed in order, one transaction (lib/queue.ts). */
export function batchRequest(ctx: Context<MutationModifyFileArgs>, p: Progress, batch: Batch) {
  const head = p.head;
  const { muted } = ctx.stash.access as Access;
  const changes: ChangeItem[] = [];
  for (const c of batch.committed) changes.push(batchChange(head, c, muted));
  const table = filesTable(ctx);
  let values: Record<string, unknown> = { recent: typeof head.recent === 'string' ? head.recent : '[]' };
  let extra: unknown[] = [];
  let content = p.content as string;
  let bodyVersion = p.bodyVersion;
  let tailChars = p.tailChars;
  let recentHead = head;
  let version = head.version;
  const removes: string[] = [];
  for (const c of batch.committed) {
    const recent = nextRecent(recentHead, version, c.version, c.patch, [BATCH_RECENT_PATCHES, BATCH_RECENT_CHARS]);
    recentHead = { ...recentHead, recent };
    version = c.version;
    content = c.content;
    tailChars = tailChars + c.patch.length;
  }
  if (batch.committed.length > 0) {
    const lastOne = batch.committed[batch.committed.length - 1]!;
    const due = bodyVersion === 0 || lastOne.version - bodyVersion >= TAIL_PATCHES || tailChars >= TAIL_CHARS;
    if (due) {
      extra = [bodyPut(table, head.id, { content, version, sha256: lastOne.sha256 })];
      bodyVersion = version;
      tailChars = 0;
      // A head from before BODY items carries its content: it moves to the body now.
      if (typeof head.content === 'string') removes.push('content');
    }
    const ids: Record<string, number> = {};
    for (const c of batch.committed) ids[c.edit.rid] = c.version;
    values = { ...batchSummary(head, lastOne), recent: recentHead.recent, bodyVersion, batchIds: JSON.stringify(ids) };
  }
  const after = { ...head, ...values, version } as HeadItem;
  (after as { pending?: unknown }).pending = queueOf(head).slice(batch.taken);
  (after as { pendingIds?: unknown }).pendingIds = ((head as { pendingIds?: string[] }).pendingIds || []).slice(batch.taken);
  p.batch = { batch, changes, head: after, content, bodyVersion, tailChars };
  p.action = 'batch';
  return { operation: 'TransactWriteItems' as const, transactItems: batchItems(table, head, batch, changes, values, extra, removes) };
}

/** `queue` response: queued (the head after it holds everything queued before), already queued by this request, or refused. */
export function queueResponse(ctx: Context<MutationModifyFileArgs>, p: Progress, last: boolean) {
  const input = ctx.args.input;
  const now = ctx.result as HeadItem | null;
  if (!ctx.error && now) {
    takeHead(p, now);
    p.queued = true;
    return last ? busy(input.id) : null;
  }
  if (!now || !ctx.error || ctx.error.type !== 'DynamoDB:ConditionalCheckFailedException') {
    const error = ctx.error as { message: string; type: string };
    return util.error(error ? error.message : 'the queue append returned nothing', error ? error.type : 'InternalFailure');
  }
  if (bool(now.deleted)) notFound(input.id, true);
  if (num(now.aclVersion) !== p.head.aclVersion) conflict(input.id, num(now.version), 'ACCESS_CHANGED');
  takeHead(p, now);
  if (isQueued(now, input.requestId)) {
    for (const edit of queueOf(now)) {
      if (edit.rid === input.requestId && edit.fp !== `${input.baseVersion}:${input.sha256}`) {
        invalid('requestId', 'was already used by a different edit (another base version or sha256)');
      }
    }
    p.queued = true;
  }
  // Otherwise the queue is full: the next attempt commits some of it.
  return last ? busy(input.id) : null;
}

/** `batch` response: committed (this request's edit among them, or the next attempt goes on), or lost to another batch. */
export function batchResponse(ctx: Context<MutationModifyFileArgs>, p: Progress, last: boolean) {
  const input = ctx.args.input;
  const planned = p.batch as NonNullable<Progress['batch']>;
  if (!ctx.error) {
    for (const c of planned.batch.committed) remember(p, c.version, c.patch);
    p.head = planned.head;
    p.content = planned.content;
    p.contentAt = planned.head.version;
    p.bodyVersion = planned.bodyVersion;
    p.tailChars = planned.tailChars;
    for (const change of planned.changes) {
      if (change.requestId === input.requestId) {
        const committed = changeFromItem(change);
        ctx.stash.committed = committed;
        return committed;
      }
    }
    if (planned.batch.dropped.includes(input.requestId)) {
      const answer = droppedAnswer(ctx, p);
      return answer === null && last ? busy(input.id) : answer;
    }
    return last ? busy(input.id) : null;
  }
  const reasons = ((ctx.result as { cancellationReasons?: Array<{ type?: string }> } | null) || {}).cancellationReasons || [];
  const dups = duplicatesOf(reasons, planned.changes);
  for (const rid of dups) p.done.push(rid);
  const headFailure = conditionFailure(ctx, HEAD_ITEM);
  if (headFailure.failed && headFailure.item) {
    const now = plainItem(headFailure.item) as unknown as HeadItem;
    if (bool(now.deleted)) notFound(input.id, true);
    takeHead(p, now);
  } else if (dups.length === 0 && !transactionConflict(ctx)) {
    const error = ctx.error as { message: string; type: string };
    return util.error(error.message, error.type);
  }
  return last ? busy(input.id) : null;
}

/**
 * This request's queued edit left the queue without committing: it was queued before the members
 * changed (Conflict ACCESS_CHANGED: send it again), it committed before under this request id (the
 * lookup finds it), or it no longer applied (Conflict STALE_BASE: the SDK catches up and sends it
 * again, rebased). Nothing of it was committed.
 */
function droppedAnswer(ctx: Context<MutationModifyFileArgs>, p: Progress) {
  const input = ctx.args.input;
  if (p.done.includes(input.requestId)) {
    p.queued = true;
    return null;
  }
  // Dropped with nothing committed after its base (it waited too long): the same request again.
  if (p.head.version <= input.baseVersion) busy(input.id);
  return conflict(input.id, p.head.version, 'STALE_BASE');
}

/** `lookup` response: the request committed (9.replay returns that change), or nothing of it did. */
export function lookupResponse(ctx: Context<MutationModifyFileArgs>, p: Progress) {
  const input = ctx.args.input;
  if (ctx.error) util.error(ctx.error.message, ctx.error.type);
  const item = ctx.result as { version?: unknown; fingerprint?: unknown } | null;
  if (item && item.version !== undefined) {
    if (typeof item.fingerprint === 'string' && item.fingerprint !== `${input.baseVersion}:${input.sha256}`) {
      invalid('requestId', 'was already used by a different edit (another base version or sha256)');
    }
    ctx.stash.replayVersion = num(item.version);
    return null;
  }
  const reason = p.head.aclVersion !== (ctx.stash.access as Access).head.aclVersion ? 'ACCESS_CHANGED' : 'STALE_BASE';
  if (reason === 'STALE_BASE' && p.head.version <= input.baseVersion) busy(input.id);
  return conflict(input.id, p.head.version, reason);
}
