import { runtime, util, type Context } from '@aws-appsync/utils';
import type { MutationModifyFileArgs } from '../generated/graphql.ts';
import type { Access } from './access.ts';
import { bodyOf, bodyPut, contentLost, tailRequest } from './body.ts';
import { changeRecord, fileWriteItems } from './commit.ts';
import { uploadMeasure, type VerifiedUpload } from './content.ts';
import { invalid, notFound, conflict, busy } from './errors.ts';
import { filePk, HEAD_SK, requestSk } from './keys.ts';
import type { BodyItem, ChangeItem, FileSummary, HeadItem } from './items.ts';
import { BATCH_RECENT_CHARS, BATCH_RECENT_PATCHES, LEADER_GRACE_MS, MAX_PENDING, MAX_REBASE, RECENT_PATCH_CHARS, RECENT_PATCHES, TAIL_CHARS, TAIL_PATCHES } from './limits.ts';
import { HEAD_ITEM, REQUEST_ITEM } from './outcome.ts';
import { applyTextPatch, checkTextPatch, patchedLength } from './patch.ts';
import { appendRequest, batchChange, batchItems, batchSummary, duplicatesOf, isQueued, planBatch, queueOf, type Batch, type QueuedEdit } from './queue.ts';
import { rebaseOps } from './rebase.ts';
import { contentSha256 } from './sha256.ts';
import { changeFromItem } from './shapes.ts';
import { bool, conditionFailure, filesTable, num, plainItem, setExpression, transactionConflict } from './tx.ts';
import { measureContent, utf8Bytes } from './validate.ts';

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
interface Progress {
  /** The edit's ops, moved onto version `at` so far. */
  ops: unknown[] | null;
  at: number;
  /** The head this attempt commits on (authorize's, or the one a lost race returned). */
  head: HeadItem;
  /** False when the missed changes cannot be merged over (whole content, delete, gap, beyond the bound). */
  mergeable: boolean;
  /** The inline content at version `contentAt` (null when the file has none inline). */
  content: string | null;
  contentAt: number;
  /** The BODY item's version (0: none yet, the next commit writes one) and the patch JSON after it up to `contentAt`. */
  bodyVersion: number;
  tailChars: number;
  /** Committed patch JSON by version, as read (recent patches, the log): what queued edits are moved over. */
  seen: Record<string, string>;
  /** The same, `[version, patchJson]` ascending. */
  known: unknown[][];
  /** This request's edit waits in the head's queue (lib/queue.ts). */
  queued: boolean;
  /** The edit lost a race for the head: from now on it queues rather than racing again. */
  lost: boolean;
  /** Request ids a cancelled batch found already committed (their queued copies are dropped). */
  done: string[];
  /** What this attempt does (see `attempt`). */
  action?: 'cas' | 'queue' | 'batch' | 'read' | 'lookup' | 'poll';
  /** A read's lower end: the log after this version, up to the head. */
  readFrom?: number;
  /** The batch this attempt commits, and the head it leaves. */
  batch?: { batch: Batch; changes: ChangeItem[]; head: HeadItem; content: string; bodyVersion: number; tailChars: number };
}

function progress(ctx: Context<MutationModifyFileArgs>): Progress {
  const stash = ctx.stash as { progress?: Progress; access: Access };
  if (!stash.progress) {
    const input = ctx.args.input;
    const hasPatch = input.patch !== null && input.patch !== undefined;
    const { head, body } = stash.access;
    const known = bodyOf(head, body);
    stash.progress = {
      ops: hasPatch ? checkTextPatch(input.patch) : null,
      at: input.baseVersion,
      head,
      mergeable: true,
      content: known ? known.content : null,
      contentAt: known ? known.version : 0,
      bodyVersion: known && known === body ? body.version : 0,
      tailChars: 0,
      seen: {},
      known: [],
      queued: isQueued(head, input.requestId),
      lost: false,
      done: [],
    };
  }
  return stash.progress;
}

/** True when this edit can be moved over changes on the server: an inline text patch on a live file. */
function movable(p: Progress): boolean {
  return p.ops !== null && p.mergeable && p.head.encoding === 'TEXT' && !p.head.contentKey && !p.head.deleted;
}

function settled(ctx: Context): boolean {
  const stash = ctx.stash as { committed?: unknown; replayVersion?: number };
  return stash.committed !== undefined || stash.replayVersion !== undefined;
}

/** The head's recent patches, `[[version, patchJson], ...]` (empty when absent or unreadable). */
function recentOf(head: HeadItem): unknown[][] {
  if (typeof head.recent !== 'string' || head.recent.length === 0) return [];
  const list = JSON.parse(head.recent) as unknown;
  return Array.isArray(list) ? (list as unknown[][]) : [];
}

/**
 * One committed patch (version `version`, patch JSON `patch`): applied to the content when it is the
 * next version of it, and the edit moved over it when it is one the edit missed.
 */
function advance(p: Progress, version: number, patch: string): void {
  const theirs = JSON.parse(patch) as { ops: unknown[] };
  remember(p, version, patch);
  if (p.content !== null && p.contentAt === version - 1) {
    p.content = applyTextPatch(theirs, p.content);
    p.contentAt = version;
    p.tailChars = p.tailChars + patch.length;
  }
  if (version === p.at + 1 && p.ops !== null) {
    p.ops = rebaseOps(p.ops, theirs.ops);
    p.at = version;
  }
}

/** The version after which changes are needed: the older of the edit's base and the content's. */
function low(p: Progress): number {
  return p.content !== null && p.contentAt < p.at ? p.contentAt : p.at;
}

/** Takes the head's recent patches when they cover everything after `low`; false when they do not. */
function fromRecent(p: Progress): boolean {
  const from = low(p);
  if (p.head.version <= from) return true;
  const recent = recentOf(p.head);
  const first = recent.length > 0 ? (recent[0]![0] as number) : p.head.version + 1;
  if (first > from + 1) return false;
  takeRecent(p);
  return true;
}

/** Takes every recent patch of the head (what the content and the edit have not seen moves them on; all are kept for the queue). */
function takeRecent(p: Progress): void {
  for (const entry of recentOf(p.head)) {
    const v = entry[0] as number;
    if (p.seen[`${v}`] === undefined) advance(p, v, entry[1] as string);
  }
}

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

/**
 * Applies a Query of the log after `low(p)`: each change in order. Whole inline content replaces the
 * content (an edit made before it cannot be moved over it); a gap, anything else, or a page cut short
 * leaves the edit unmergeable (it commits only at its own base).
 */
function takeTail(p: Progress, items: ChangeItem[], from: number): void {
  let last = from;
  for (const item of items) {
    if (item.version !== last + 1 || item.op !== 'MODIFY') break;
    if (typeof item.patch === 'string') advance(p, item.version, item.patch);
    else if (typeof item.content === 'string' && p.content !== null && item.version > p.contentAt) {
      p.content = item.content;
      p.contentAt = item.version;
    } else break;
    last = item.version;
  }
  if (!p.queued && p.ops !== null && p.at < p.head.version) p.mergeable = false;
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

/**
 * The head's recent patches after committing `next` on `base`: the old ones (when they reach `base`)
 * plus this patch, trimmed from the oldest to RECENT_PATCHES entries and RECENT_PATCH_CHARS of JSON.
 * Anything but a patch, or a patch too large to keep, empties it.
 */
function nextRecent(head: HeadItem, base: number, next: number, patch: string | undefined, limits: number[] = [RECENT_PATCHES, RECENT_PATCH_CHARS]): string {
  const maxPatches = limits[0] as number;
  const maxChars = limits[1] as number;
  if (patch === undefined || patch.length > maxChars) return '[]';
  const old = recentOf(head);
  const kept: unknown[][] = old.length > 0 && (old[old.length - 1]![0] as number) === base ? old : [];
  const list = kept.concat([[next, patch]]);
  let chars = 0;
  const out: unknown[][] = [];
  for (const entry of list.slice(0).reverse()) {
    chars = chars + (entry[1] as string).length + 16;
    if (out.length < maxPatches && chars <= maxChars) out.unshift(entry);
  }
  return JSON.stringify(out);
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
 * True when this request commits the queue: its edit is first, or the first one has waited longer
 * than LEADER_GRACE_MS (its writer seems stalled). One batch at a time, and the writers queued behind
 * it join the next one instead of racing it (each race a cancelled transaction).
 */
function leads(queue: QueuedEdit[], rid: string): boolean {
  const first = queue[0] as QueuedEdit;
  return first.rid === rid || util.time.nowEpochMilliSeconds() - first.t > LEADER_GRACE_MS;
}

/** The lowest version after which the queue's edits need the committed patches. */
function queueLow(p: Progress): number {
  let m = p.head.version;
  for (const edit of queueOf(p.head)) {
    if (edit.at < m) m = edit.at;
  }
  return m;
}

/** The version the head's last batch gave request `rid`, or null. */
function batchVersion(head: HeadItem, rid: string): number | null {
  const json = (head as { batchIds?: unknown }).batchIds;
  if (typeof json !== 'string') return null;
  const ids = JSON.parse(json) as Record<string, number>;
  return typeof ids[rid] === 'number' ? ids[rid] : null;
}

/** Keeps a committed patch this request has read in `known`, ascending by version. */
function remember(p: Progress, version: number, patch: string): void {
  if (p.seen[`${version}`] !== undefined) return;
  p.seen[`${version}`] = patch;
  let at = p.known.length;
  let i = 0;
  for (const entry of p.known) {
    if (at === p.known.length && (entry[0] as number) > version) at = i;
    i = i + 1;
  }
  p.known.splice(at, 0, [version, patch]);
}

/** A read of the log after `from` (and after the content's version, when it is behind) up to the head. */
function readRequest(p: Progress, from: number) {
  const behind = p.content !== null && p.contentAt < from ? p.contentAt : from;
  p.action = 'read';
  p.readFrom = behind;
  return tailRequest(p.head.id, behind, p.head.version);
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
 * `queue`: the edit, moved to the head's version, is checked there (it applies; at its own base the
 * stated sha256 is the server's) and appended to the head's queue. The batch that commits it moves
 * it over the edits queued before it.
 */
function queueRequest(ctx: Context<MutationModifyFileArgs>, p: Progress) {
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
function batchRequest(ctx: Context<MutationModifyFileArgs>, p: Progress, batch: Batch) {
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

/** Moves on to a head DynamoDB returned (a winner may have rewritten the body: the tail counts from there). */
function takeHead(p: Progress, now: HeadItem): void {
  p.head = now;
  const bodyVersion = num(now.bodyVersion);
  if (bodyVersion > p.bodyVersion) {
    p.bodyVersion = bodyVersion;
    p.tailChars = 0;
  }
}

/** `queue` response: queued (the head after it holds everything queued before), already queued by this request, or refused. */
function queueResponse(ctx: Context<MutationModifyFileArgs>, p: Progress, last: boolean) {
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
function batchResponse(ctx: Context<MutationModifyFileArgs>, p: Progress, last: boolean) {
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
function lookupResponse(ctx: Context<MutationModifyFileArgs>, p: Progress) {
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

/** The response of every attempt but the last: a lost race hands over to the next attempt. */
export function attemptResponse(ctx: Context<MutationModifyFileArgs>) {
  return commitResponse(ctx, false);
}

/** The last attempt's response: a lost race is a Conflict. */
export function lastAttemptResponse(ctx: Context<MutationModifyFileArgs>) {
  return commitResponse(ctx, true);
}
