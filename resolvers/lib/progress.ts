import { type Context } from '@aws-appsync/utils';
import type { MutationModifyFileArgs } from '../generated/graphql.ts';
import type { Access } from './access.ts';
import { bodyOf, tailRequest } from './body.ts';
import type { ChangeItem, HeadItem } from './items.ts';
import { RECENT_PATCH_CHARS, RECENT_PATCHES } from './limits.ts';
import { applyTextPatch, checkTextPatch } from './patch.ts';
import { isQueued, type Batch } from './queue.ts';
import { rebaseOps } from './rebase.ts';
import { num } from './tx.ts';

/**
 * modifyFile's progress through its attempts (lib/modify.ts): the edit's ops as moved so far, the
 * head it knows, the inline content brought to some version, and the committed patches it has read
 * (the head's recent ones, the log's tail), which stale edits and queued edits are moved over.
 */
/** What one modifyFile request knows as its attempts go on (kept in the stash between pipeline functions). */
export interface Progress {
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

export function progress(ctx: Context<MutationModifyFileArgs>): Progress {
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
export function movable(p: Progress): boolean {
  return p.ops !== null && p.mergeable && p.head.encoding === 'TEXT' && !p.head.contentKey && !p.head.deleted;
}

export function settled(ctx: Context): boolean {
  const stash = ctx.stash as { committed?: unknown; replayVersion?: number };
  return stash.committed !== undefined || stash.replayVersion !== undefined;
}

/** The head's recent patches, `[[version, patchJson], ...]` (empty when absent or unreadable). */
export function recentOf(head: HeadItem): unknown[][] {
  if (typeof head.recent !== 'string' || head.recent.length === 0) return [];
  const list = JSON.parse(head.recent) as unknown;
  return Array.isArray(list) ? (list as unknown[][]) : [];
}

/**
 * One committed patch (version `version`, patch JSON `patch`): applied to the content when it is the
 * next version of it, and the edit moved over it when it is one the edit missed.
 */
export function advance(p: Progress, version: number, patch: string): void {
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
export function low(p: Progress): number {
  return p.content !== null && p.contentAt < p.at ? p.contentAt : p.at;
}

/** Takes the head's recent patches when they cover everything after `low`; false when they do not. */
export function fromRecent(p: Progress): boolean {
  const from = low(p);
  if (p.head.version <= from) return true;
  const recent = recentOf(p.head);
  const first = recent.length > 0 ? (recent[0]![0] as number) : p.head.version + 1;
  if (first > from + 1) return false;
  takeRecent(p);
  return true;
}

/** Takes every recent patch of the head (what the content and the edit have not seen moves them on; all are kept for the queue). */
export function takeRecent(p: Progress): void {
  for (const entry of recentOf(p.head)) {
    const v = entry[0] as number;
    if (p.seen[`${v}`] === undefined) advance(p, v, entry[1] as string);
  }
}

/**
 * Applies a Query of the log after `low(p)`: each change in order. Whole inline content replaces the
 * content (an edit made before it cannot be moved over it); a gap, anything else, or a page cut short
 * leaves the edit unmergeable (it commits only at its own base).
 */
export function takeTail(p: Progress, items: ChangeItem[], from: number): void {
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

/** Keeps a committed patch this request has read in `known`, ascending by version. */
export function remember(p: Progress, version: number, patch: string): void {
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
export function readRequest(p: Progress, from: number) {
  const behind = p.content !== null && p.contentAt < from ? p.contentAt : from;
  p.action = 'read';
  p.readFrom = behind;
  return tailRequest(p.head.id, behind, p.head.version);
}

/** Moves on to a head DynamoDB returned (a winner may have rewritten the body: the tail counts from there). */
export function takeHead(p: Progress, now: HeadItem): void {
  p.head = now;
  const bodyVersion = num(now.bodyVersion);
  if (bodyVersion > p.bodyVersion) {
    p.bodyVersion = bodyVersion;
    p.tailChars = 0;
  }
}

/**
 * The head's recent patches after committing `next` on `base`: the old ones (when they reach `base`)
 * plus this patch, trimmed from the oldest to RECENT_PATCHES entries and RECENT_PATCH_CHARS of JSON.
 * Anything but a patch, or a patch too large to keep, empties it.
 */
export function nextRecent(head: HeadItem, base: number, next: number, patch: string | undefined, limits: number[] = [RECENT_PATCHES, RECENT_PATCH_CHARS]): string {
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
