import { runtime, util, type Context } from '@aws-appsync/utils';
import type { MutationModifyFileArgs } from '../generated/graphql.ts';
import type { Access } from './access.ts';
import { bodyPut, contentLost, tailRequest } from './body.ts';
import { changeRecord, fileWriteItems } from './commit.ts';
import { uploadMeasure, type VerifiedUpload } from './content.ts';
import { invalid, notFound, conflict, busy } from './errors.ts';
import { filePk, HEAD_SK, requestSk } from './keys.ts';
import type { BodyItem, ChangeItem, FileSummary, HeadItem } from './items.ts';
import { MAX_PENDING, MAX_REBASE, TAIL_CHARS, TAIL_PATCHES } from './limits.ts';
import { HEAD_ITEM, REQUEST_ITEM } from './outcome.ts';
import { applyTextPatch, patchedLength } from './patch.ts';
import { isQueued, planBatch, queueOf } from './queue.ts';
import { contentSha256 } from './sha256.ts';
import { changeFromItem } from './shapes.ts';
import { bool, conditionFailure, filesTable, num, plainItem, setExpression, transactionConflict } from './tx.ts';
import { measureContent, utf8Bytes } from './validate.ts';
import { batchRequest, batchResponse, batchVersion, leads, lookupResponse, queueLow, queueRequest, queueResponse } from './modify-queue.ts';
import { fromRecent, low, movable, nextRecent, progress, readRequest, settled, takeHead, takeRecent, takeTail, type Progress } from './progress.ts';

/**
 * modifyFile's commit, in attempts (resolvers/README.md "The hot path"). `missed` reads the log after
 * the older of the edit's base and the body's version (one Query, unless the head's recent patches
 * cover it): it brings the body's content to the head and moves the edit over what it missed. Each
 * `commit` applies the edit to the content at the head it knows, hashes the result and commits at that
 * head in one transaction (rewriting the body every TAIL_PATCHES patches). A commit that loses the race
 * for the head learns the new head (with its recent patches) from its cancelled condition and hands
 * over to the next `commit`; the last one answers Conflict (the SDK then catches up and retries). Only
 * inline text patches are moved on the server; everything else commits only at its own base, as before.
 */
/**
 * `missed` request, for an inline text patch: the changes after the older of the edit's base and the
 * body's version, up to the head. The head's own recent patches sometimes cover them (no read);
 * otherwise one Query of the log (the tail stays within TAIL_PATCHES of the head, plus what the edit missed).
 */
export function missedRequest(ctx: Context<MutationModifyFileArgs>) {
  if (settled(ctx)) return runtime.earlyReturn(ctx.prev.result);
  const p = progress(ctx);
  if (!movable(p)) return runtime.earlyReturn(ctx.prev.result);
  if (p.head.version - p.at > MAX_REBASE) {
    p.mergeable = false;
    return runtime.earlyReturn(ctx.prev.result);
  }
  if (fromRecent(p)) return runtime.earlyReturn(ctx.prev.result);
  return tailRequest(p.head.id, low(p), p.head.version);
}

/** `missed` response: each change in order brings the content on and moves the edit; anything but a patch, or a gap, stops it. */
export function missedResponse(ctx: Context<MutationModifyFileArgs>) {
  if (ctx.error) util.error(ctx.error.message, ctx.error.type);
  if (settled(ctx)) return ctx.prev.result;
  const p = progress(ctx);
  const items = ((ctx.result && ctx.result.items) || []) as ChangeItem[];
  takeTail(p, items, low(p));
  return ctx.prev.result;
}

/** What the edit makes of the head's content: the new content (inline), size, length and the server's SHA-256. */
function result(ctx: Context<MutationModifyFileArgs>, p: Progress, upload: VerifiedUpload | undefined) {
  const input = ctx.args.input;
  const head = p.head;
  if (p.ops !== null) {
    if (head.encoding !== 'TEXT') invalid('patch', 'BASE64 files are modified with whole content');
    const patch = { v: 1, t: 'text', ops: p.ops };
    if (head.contentKey) {
      // S3-held text: the patch joins the log (the snapshotter applies it); the writer states size and hash.
      const length = patchedLength(patch, head.length);
      if (input.size === null || input.size === undefined) invalid('size', 'a patch of content held in S3 states the resulting size in bytes');
      const size = input.size as number;
      if (Math.floor(size) !== size || size < length || size > length * 3) invalid('size', `${size} UTF-8 bytes cannot be ${length} UTF-16 code units`);
      return { patch, content: undefined, size, length, sha256: input.sha256 };
    }
    if (p.content === null || p.contentAt !== head.version) contentLost(head.id, head.version);
    const content = applyTextPatch(patch, p.content as string);
    const sha256 = contentSha256('TEXT', content);
    // At its own base the writer's hash must be the server's; moved over others' changes it cannot be.
    if (p.at === input.baseVersion && sha256 !== input.sha256) invalid('sha256', `is not the SHA-256 of the patched content (${sha256})`);
    return { patch, content, size: utf8Bytes(content), length: content.length, sha256 };
  }
  if (upload) {
    if (upload.contentType !== (input.contentType || head.contentType)) invalid('contentType', 'does not match the uploaded content');
    const measured = uploadMeasure(head.encoding, upload, input.upload ? input.upload.length : null);
    return { patch: undefined, content: undefined, size: measured.size, length: measured.length, sha256: upload.sha256 };
  }
  const content = input.content as string;
  const measured = measureContent(head.encoding, content);
  const sha256 = contentSha256(head.encoding, content);
  if (sha256 !== input.sha256) invalid('sha256', `is not the SHA-256 of the content (${sha256})`);
  return { patch: undefined, content, size: measured.size, length: measured.length, sha256 };
}

/** `commit` request of every attempt but the last (see attempt). */
export function commitRequest(ctx: Context<MutationModifyFileArgs>) {
  return attempt(ctx, false);
}

/** The last attempt's request: it always commits, queues or answers, never reads. */
export function lastCommitRequest(ctx: Context<MutationModifyFileArgs>) {
  return attempt(ctx, true);
}

/**
 * One attempt (resolvers/README.md "The hot path"). Which one depends on what this request knows:
 *   lookup — its queued edit left the queue: read its idempotency record (committed by another writer, or dropped);
 *   batch  — edits wait in the head's queue and this request must see them committed first (its own
 *            is among them, the queue is full, or its edit cannot be queued): commit the queue's
 *            first edits in one transaction;
 *   queue  — an inline text patch that lost a race, or finds others queued: append it to the queue;
 *   cas    — otherwise (no queue, the common case with one writer): one transaction at the head, as before;
 *   read   — one of the above needs committed patches the head's recent ones do not carry: one Query
 *            (never on the last attempt, which answers Busy instead; the SDK retries the same request).
 */
function attempt(ctx: Context<MutationModifyFileArgs>, last: boolean) {
  if (settled(ctx)) return runtime.earlyReturn(ctx.prev.result);
  const input = ctx.args.input;
  const p = progress(ctx);
  p.action = undefined;
  const head = p.head;
  const inlineText = head.encoding === 'TEXT' && !head.contentKey && !head.deleted;
  if (p.queued && !isQueued(head, input.requestId)) {
    // Committed by another writer's batch (the head names the last batch's versions), else look it up.
    const version = batchVersion(head, input.requestId);
    if (version !== null) {
      ctx.stash.replayVersion = version;
      return runtime.earlyReturn(ctx.prev.result);
    }
    p.action = 'lookup';
    return { operation: 'GetItem' as const, key: util.dynamodb.toMapValues({ pk: filePk(head.id), sk: requestSk(input.requestId) }), consistentRead: true };
  }
  const queue = inlineText ? queueOf(head) : [];
  if (queue.length > 0 && p.queued && !leads(queue, input.requestId)) {
    // Another writer's edit is first: that writer commits the batch, this edit with it. Look again.
    if (last) busy(head.id);
    p.action = 'poll';
    return { operation: 'GetItem' as const, key: util.dynamodb.toMapValues({ pk: filePk(head.id), sk: HEAD_SK }), consistentRead: true };
  }
  if (queue.length > 0 && (p.queued || (movable(p) && queue.length >= MAX_PENDING))) {
    takeRecent(p);
    if (p.content === null) busy(head.id);
    if (p.contentAt !== head.version) return last ? busy(head.id) : readRequest(p, queueLow(p));
    const plan = planBatch(head, p.content as string, p.known, p.done);
    if (plan.missing !== null) return last ? busy(head.id) : readRequest(p, plan.missing - 1);
    return batchRequest(ctx, p, plan.batch);
  }
  // Stale on arrival means others are writing: queue at once rather than race them for the head.
  if (movable(p) && (queue.length > 0 || p.lost || input.baseVersion < head.version) && head.version - p.at <= MAX_REBASE) {
    if (!fromRecent(p) || p.at !== head.version || p.contentAt !== head.version) return last ? busy(head.id) : readRequest(p, low(p));
    return queueRequest(ctx, p);
  }
  return casRequest(ctx, p, last);
}

/**
 * `cas`: one TransactWriteItems at the head this attempt knows (or at the edit's own base), only if no
 * edit is queued. After a lost race the head that won is a few versions on, and its recent patches
 * carry what it added; when they do not reach back far enough, this attempt reads the log instead.
 */
function casRequest(ctx: Context<MutationModifyFileArgs>, p: Progress, last: boolean) {
  const input = ctx.args.input;
  const { members, muted } = ctx.stash.access as Access;
  if (movable(p) && p.head.version > p.at && p.head.version - p.at <= MAX_REBASE && !fromRecent(p)) {
    if (!last) return readRequest(p, low(p));
    p.mergeable = false;
  }
  p.action = 'cas';
  const head = p.head;
  const author = (ctx.identity as { sub: string }).sub;
  const upload = ctx.stash.upload as VerifiedUpload | undefined;
  // Where the edit has been moved to the head, commit there; otherwise only at its own base (a stale
  // one still goes to DynamoDB, whose answer tells a retry of a committed request from a conflict).
  const current = !head.deleted && p.at === head.version;
  const base = current ? head.version : input.baseVersion;
  const r = current ? result(ctx, p, upload) : { patch: undefined, content: undefined, size: head.size, length: head.length, sha256: input.sha256 };
  const next = base + 1;
  const now = util.time.nowISO8601();
  const summary: FileSummary = {
    id: head.id,
    name: input.name || head.name,
    contentType: input.contentType || head.contentType,
    encoding: head.encoding,
    size: r.size,
    length: r.length,
    sha256: r.sha256,
    version: next,
    owner: head.owner,
    createdAt: head.createdAt,
    updatedAt: now,
    updatedBy: author,
    deleted: false,
  };
  const change = changeRecord(summary, 'MODIFY', input.requestId, null);
  // Who muted the file as the commit saw it (usually nobody: a few bytes); the members are read at publish time.
  change.muted = muted;
  if (input.patch !== null && input.patch !== undefined) change.patch = JSON.stringify(r.patch || input.patch);
  else if (upload) change.contentKey = upload.key;
  else change.content = input.content as string;
  ctx.stash.change = change;

  const table = filesTable(ctx);
  const recent = nextRecent(head, base, next, change.patch);
  const body = current ? nextBody(p, r, next, change.patch) : null;
  // The head names the S3 object holding the content, or the version of the BODY item; never the content itself.
  // Whole content or an upload sets `fullAt`: edits queued before it are dropped, not moved over it.
  const full = change.patch === undefined ? { fullAt: next } : {};
  const headUpdate = upload
    ? setExpression({ ...summary, contentKey: upload.key, contentVersion: next, contentSha256: upload.sha256, recent, ...full }, ['content', 'bodyVersion'])
    : head.contentKey && change.patch !== undefined
      ? setExpression({ ...summary, recent }, [])
      : setExpression({ ...summary, recent, bodyVersion: body ? next : p.bodyVersion, ...full }, ['content', 'contentKey', 'contentVersion', 'contentSha256']);
  const fingerprint = `${input.baseVersion}:${input.sha256}`;
  const extra = body ? [bodyPut(table, head.id, body)] : [];
  return {
    operation: 'TransactWriteItems' as const,
    // A patch waits for the queue (it commits first); whole content does not (it cannot join it).
    transactItems: fileWriteItems(table, head, members, base, headUpdate, change, summary, { indexMembers: false, fingerprint, extra, queueEmpty: change.patch !== undefined }),
  };
}

/**
 * The BODY this commit writes, if any: always for whole inline content; for a patch only when there is
 * no body yet or the tail would reach TAIL_PATCHES patches or TAIL_CHARS characters, so what a small
 * edit writes does not grow with the document (one body rewrite per TAIL_PATCHES edits).
 */
function nextBody(p: Progress, r: { content: string | undefined; sha256: string }, next: number, patch: string | undefined): BodyItem | null {
  if (r.content === undefined) return null;
  const body = { content: r.content, version: next, sha256: r.sha256 };
  if (patch === undefined || p.bodyVersion === 0) return body;
  if (next - p.bodyVersion >= TAIL_PATCHES || p.tailChars + patch.length >= TAIL_CHARS) return body;
  return null;
}

/**
 * `commit` response, by what the attempt did (see attempt). `cas` committed: the change. Request id
 * used before: 9.replay returns what it committed (if the same edit). Lost the race for the head: the
 * next attempt takes the head DynamoDB returned and queues the edit (`last`: Conflict, as for a stale
 * base). Deleted: NotFound; members changed: Conflict ACCESS_CHANGED; another transaction on the same
 * items: Busy (or one more attempt).
 */
export function commitResponse(ctx: Context<MutationModifyFileArgs>, last: boolean) {
  if (settled(ctx)) return ctx.prev.result;
  const p = progress(ctx);
  if (p.action === 'read') {
    if (ctx.error) util.error(ctx.error.message, ctx.error.type);
    takeTail(p, ((ctx.result && ctx.result.items) || []) as ChangeItem[], p.readFrom as number);
    return null;
  }
  if (p.action === 'lookup') return lookupResponse(ctx, p);
  if (p.action === 'poll') {
    if (ctx.error) util.error(ctx.error.message, ctx.error.type);
    if (!ctx.result) notFound(ctx.args.input.id, false);
    takeHead(p, ctx.result as HeadItem);
    return null;
  }
  if (p.action === 'queue') return queueResponse(ctx, p, last);
  if (p.action === 'batch') return batchResponse(ctx, p, last);
  return casResponse(ctx, p, last);
}

function casResponse(ctx: Context<MutationModifyFileArgs>, p: Progress, last: boolean) {
  const input = ctx.args.input;
  if (!ctx.error) {
    const change = changeFromItem(ctx.stash.change as ChangeItem);
    ctx.stash.committed = change;
    return change;
  }
  const req = conditionFailure(ctx, REQUEST_ITEM);
  if (req.failed) {
    if (req.item && typeof req.item.fingerprint === 'string' && req.item.fingerprint !== `${input.baseVersion}:${input.sha256}`) {
      invalid('requestId', 'was already used by a different edit (another base version or sha256)');
    }
    ctx.stash.replayVersion = req.item ? num(req.item.version) : input.baseVersion + 1;
    return null;
  }
  const headFailure = conditionFailure(ctx, HEAD_ITEM);
  if (headFailure.failed && headFailure.item) {
    const now = plainItem(headFailure.item) as unknown as HeadItem;
    if (bool(now.deleted)) notFound(input.id, true);
    if (num(now.aclVersion) !== p.head.aclVersion) conflict(input.id, num(now.version), 'ACCESS_CHANGED');
    const wasCurrent = p.at === p.head.version;
    // Lost to another writer, or edits wait in the queue (they commit first; a queue needs inline text).
    const queued = queueOf(now).length > 0;
    if (!last && ((wasCurrent && movable(p)) || (queued && num(now.version) === p.head.version))) {
      takeHead(p, now);
      p.lost = true;
      return null;
    }
    const headVersion = num(now.version);
    // The last attempt, still at the head it knew, lost only to the queue: the same request again.
    if (queued && headVersion === p.head.version) busy(input.id);
    conflict(input.id, headVersion, headVersion === input.baseVersion ? 'ACCESS_CHANGED' : 'STALE_BASE');
  }
  if (headFailure.failed) conflict(input.id, p.head.version, 'STALE_BASE');
  if (transactionConflict(ctx)) {
    if (!last) return null;
    busy(input.id);
  }
  const error = ctx.error as { message: string; type: string };
  return util.error(error.message, error.type);
}

/** The response of every attempt but the last: a lost race hands over to the next attempt. */
export function attemptResponse(ctx: Context<MutationModifyFileArgs>) {
  return commitResponse(ctx, false);
}

/** The last attempt's response: a lost race is a Conflict. */
export function lastAttemptResponse(ctx: Context<MutationModifyFileArgs>) {
  return commitResponse(ctx, true);
}
