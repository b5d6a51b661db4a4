import { runtime, util, type Context } from '@aws-appsync/utils';
import type { MutationModifyFileArgs } from '../generated/graphql.ts';
import type { Access } from './access.ts';
import { bodyOf, bodyPut, contentLost, tailRequest } from './body.ts';
import { changeRecord, fileWriteItems } from './commit.ts';
import { uploadMeasure, type VerifiedUpload } from './content.ts';
import { invalid, notFound, conflict, busy } from './errors.ts';
import type { BodyItem, ChangeItem, FileSummary, HeadItem } from './items.ts';
import { MAX_REBASE, RECENT_PATCH_CHARS, RECENT_PATCHES, TAIL_CHARS, TAIL_PATCHES } from './limits.ts';
import { HEAD_ITEM, REQUEST_ITEM } from './outcome.ts';
import { applyTextPatch, checkTextPatch, patchedLength } from './patch.ts';
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
  /** This attempt reads the log instead of committing (see `attempt`). */
  reading?: boolean;
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
  for (const entry of recent) {
    const v = entry[0] as number;
    if (v > from) advance(p, v, entry[1] as string);
  }
  return true;
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
  takeTail(p, items);
  return ctx.prev.result;
}

/** Applies a Query of the log after `low(p)`: each change in order; a gap, a change that is not a patch, or a page cut short leaves the edit unmergeable (it commits only at its own base). */
function takeTail(p: Progress, items: ChangeItem[]): void {
  let last = low(p);
  for (const item of items) {
    if (item.version !== last + 1 || item.op !== 'MODIFY' || typeof item.patch !== 'string') break;
    advance(p, item.version, item.patch);
    last = item.version;
  }
  if (p.at < p.head.version) p.mergeable = false;
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
function nextRecent(head: HeadItem, base: number, next: number, patch: string | undefined): string {
  if (patch === undefined || patch.length > RECENT_PATCH_CHARS) return '[]';
  const old = recentOf(head);
  const kept: unknown[][] = old.length > 0 && (old[old.length - 1]![0] as number) === base ? old : [];
  const list = kept.concat([[next, patch]]);
  let chars = 0;
  const out: unknown[][] = [];
  for (const entry of list.slice(0).reverse()) {
    chars = chars + (entry[1] as string).length + 16;
    if (out.length < RECENT_PATCHES && chars <= RECENT_PATCH_CHARS) out.unshift(entry);
  }
  return JSON.stringify(out);
}

/** `commit` request of every attempt but the last (see attempt). */
export function commitRequest(ctx: Context<MutationModifyFileArgs>) {
  return attempt(ctx, false);
}

/** The last attempt's request: it always commits (or answers), never reads. */
export function lastCommitRequest(ctx: Context<MutationModifyFileArgs>) {
  return attempt(ctx, true);
}

/**
 * One attempt: one TransactWriteItems at the head this attempt knows (or at the edit's own base). After
 * a lost race the head that won is a few versions on, and its recent patches carry what it added; when
 * they do not reach back far enough, this attempt reads the log instead (one Query) and the next commits.
 */
function attempt(ctx: Context<MutationModifyFileArgs>, last: boolean) {
  if (settled(ctx)) return runtime.earlyReturn(ctx.prev.result);
  const input = ctx.args.input;
  const { members, muted } = ctx.stash.access as Access;
  const p = progress(ctx);
  p.reading = false;
  if (movable(p) && p.head.version > p.at && p.head.version - p.at <= MAX_REBASE && !fromRecent(p)) {
    if (!last) {
      p.reading = true;
      return tailRequest(p.head.id, low(p), p.head.version);
    }
    p.mergeable = false;
  }
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
  const headUpdate = upload
    ? setExpression({ ...summary, contentKey: upload.key, contentVersion: next, contentSha256: upload.sha256, recent }, ['content', 'bodyVersion'])
    : head.contentKey && change.patch !== undefined
      ? setExpression({ ...summary, recent }, [])
      : setExpression({ ...summary, recent, bodyVersion: body ? next : p.bodyVersion }, ['content', 'contentKey', 'contentVersion', 'contentSha256']);
  const fingerprint = `${input.baseVersion}:${input.sha256}`;
  const extra = body ? [bodyPut(table, head.id, body)] : [];
  return { operation: 'TransactWriteItems' as const, transactItems: fileWriteItems(table, head, members, base, headUpdate, change, summary, { indexMembers: false, fingerprint, extra }) };
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
 * `commit` response. Committed: the change. Request id used before: 6.replay returns what it committed
 * (if the same edit). Lost the race for the head: the next attempt takes the head DynamoDB returned
 * (`last` = no attempt left: Conflict, as for a stale base). Deleted: NotFound; members changed:
 * Conflict ACCESS_CHANGED; another transaction on the same items: Busy (or one more attempt).
 */
export function commitResponse(ctx: Context<MutationModifyFileArgs>, last: boolean) {
  if (settled(ctx)) return ctx.prev.result;
  const input = ctx.args.input;
  const p = progress(ctx);
  if (p.reading) {
    // This attempt read the log the winner's recent patches did not cover; the next one commits.
    if (ctx.error) util.error(ctx.error.message, ctx.error.type);
    takeTail(p, ((ctx.result && ctx.result.items) || []) as ChangeItem[]);
    return null;
  }
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
    if (!last && wasCurrent && movable(p)) {
      p.head = now;
      // The winner may have rewritten the body: count the tail from there.
      const bodyVersion = num(now.bodyVersion);
      if (bodyVersion > p.bodyVersion) {
        p.bodyVersion = bodyVersion;
        p.tailChars = 0;
      }
      return null;
    }
    const headVersion = num(now.version);
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
