/**
 * The sync engine for one file: the latest content plus a live subscription, local edits sent as
 * patches with optimistic concurrency, and the rules that keep a replica exact:
 *
 * - every remote change is applied in version order and verified by its sha256; a gap is filled
 *   with getFileChanges; a change that does not apply or verify, or a log that no longer reaches
 *   back, falls back to a full download (getFile);
 * - everything that touches the replica runs through one queue, so a catch-up (after open, after a
 *   reconnect, after a conflict) finishes before any event queued behind it is applied;
 * - local edits queue as patches. What is queued when the next request goes is folded into one patch
 *   (compose), sent with `baseVersion` and a request id; the request is kept as sent and every retry
 *   repeats it exactly (idempotent). The server moves a stale text edit over what it missed, so a
 *   commit usually lands in one call even when others committed meanwhile; its result may arrive
 *   before the changes it was moved over, which are awaited from the subscription (briefly, then
 *   pulled). A Conflict (binary or whole-content edits, or too far behind) catches up, rebases the
 *   queue and retries; binary edits cannot be merged and are reported. Network failures keep the
 *   queue and retry with backoff; the subscription's ack after a reconnect flushes it at once;
 * - the replica and the queue are saved to a SyncStore after each step, so a restarted client asks
 *   only for what changed and resends what it had not committed.
 */
import { apply, compose, diffText, encodeBase64, type PatchError, type TextPatch } from '../patch/index.ts';
import type { Api, FileChange, FileChangePage, FileWithContent } from '../sdk/api.ts';
import { ConflictError, CraftSyncError, LogTruncatedError, NetworkError, NotFoundError, UnmergeableConflictError, IntegrityError, toCraftSyncError } from '../sdk/errors.ts';
import { contentBytes, sha256Hex, utf8Length, type Encoding } from '../sdk/hash.ts';
import { download, fitsInline, INLINE_LIMIT, upload, type TransferProgress } from '../sdk/transfer.ts';
import { Emitter } from './emitter.ts';
import { materialize } from './materialize.ts';
import { reconstruct, type FetchContent } from './reconstruct.ts';
import { rebasePending } from './rebase.ts';
import type { FileState, PendingEdit, SentEdit, SyncStore } from './store.ts';

export { INLINE_LIMIT };
const PATCH_JSON_LIMIT = 65_536;
const PATCH_OPS_LIMIT = 10_000;
const PAGE = 100;

/** Progress of a transfer of whole content through S3 (inline downloads report once, complete). */
export interface Progress {
  fileId: string;
  direction: 'download' | 'upload';
  loaded: number;
  total: number;
}

/**
 * How content too large to travel inline moves: by default the S3 flow of sdk/transfer.ts (createUpload,
 * presigned PUT or parts, completeUpload; presigned GETs verified by sha256). Tests may wrap it.
 */
export interface ContentTransfer {
  upload(content: Uint8Array, opts: { sha256: string; contentType: string; onProgress?: (p: TransferProgress) => void }): Promise<{ uploadId: string }>;
  download(url: string, opts: { sha256?: string; size?: number; onProgress?: (p: TransferProgress) => void }): Promise<Uint8Array>;
}

/** The S3 flow over `api`. */
export function s3Transfer(api: Api): ContentTransfer {
  return {
    upload: (content, o) => upload(api, content, o),
    download: (url, o) => download(url, o),
  };
}

export interface SyncEvents {
  /** The content changed: a remote change applied (`remote: true`), or a local edit committed. */
  change: (e: { version: number; content: string; remote: boolean; author?: string }) => void;
  /** A change could not be applied in place; the whole file was downloaded (`reason` says why). */
  resync: (e: { reason: string; version: number }) => void;
  /** A local edit was dropped: it could not be merged, or the server refused it. */
  conflict: (e: UnmergeableConflictError) => void;
  /** Every queued edit is committed. */
  synced: (e: { version: number }) => void;
  online: () => void;
  /**
   * The API, or its real-time connection, cannot be reached; `error` says why (for real-time: a
   * NetworkError with `errorInfo.reason`, see sdk/realtime.ts, also in `liveFailure`). `online`
   * follows once a request answers (edits then go over HTTP even while real-time is down); the
   * subscription is retried with backoff until `live`.
   */
  offline: (e: { error: CraftSyncError }) => void;
  /** The live subscription is acknowledged and caught up (first time and after every reconnect); see `isLive`. */
  live: () => void;
  deleted: (e: { version: number }) => void;
  error: (e: CraftSyncError) => void;
  progress: (p: Progress) => void;
}

export interface OpenOptions {
  /** Where the replica persists between runs (default: nothing persists). */
  store?: SyncStore;
  /** Subscribe to live changes (default true). Without, call `refresh()` to pull. */
  live?: boolean;
  /** Backoff after network failures, ms (default 200 .. 5000). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Large-content transfers (default: the S3 flow, `s3Transfer(api)`). */
  transfer?: ContentTransfer;
  /**
   * How long a change that arrived ahead of its predecessors (live subscription) waits for them before
   * they are pulled with getFileChanges, ms (default 1000). Concurrent commits publish in the order
   * their writers return, and an edit committed in another writer's batch (the server's queue) is
   * published when its own writer returns, a little later: a gap usually closes by itself.
   */
  gapWaitMs?: number;
}

interface Waiter {
  resolve(change: FileChange | undefined): void;
  reject(e: CraftSyncError): void;
}

export class SyncedFile extends Emitter<SyncEvents> {
  private state: FileState;
  private local: string;
  private queue: Promise<unknown> = Promise.resolve();
  private inflight = false;
  private offline = false;
  private closed = false;
  private subscribed = false;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Why the subscription cannot come up, while it cannot (reported once per cause). */
  private liveError: CraftSyncError | undefined;
  private liveFailures = 0;
  private liveTimer: ReturnType<typeof setTimeout> | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly waiters = new Map<string, Waiter>();
  /** Changes received ahead of a gap, by version, until the gap closes (see gapWaitMs). */
  private readonly parked = new Map<number, FileChange>();
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly idle = new Set<() => void>();
  private readonly transfer: ContentTransfer;

  private constructor(
    private readonly api: Api,
    state: FileState,
    private readonly opts: OpenOptions,
  ) {
    super();
    this.state = state;
    this.local = this.computeLocal();
    this.transfer = opts.transfer ?? s3Transfer(api);
  }

  /**
   * Opens a file: from the store when it holds it (then only the changes since are pulled), else by
   * a full download; then (by default) subscribes, and catches up each time the subscription is
   * acknowledged, so nothing committed between the download and the subscription is missed.
   */
  static async open(api: Api, fileId: string, opts: OpenOptions = {}): Promise<SyncedFile> {
    const saved = await opts.store?.load(fileId);
    let trusted = false;
    if (saved) trusted = (await sha256Hex(saved.content, saved.encoding).catch(() => '')) === saved.sha256;
    const state: FileState = saved ?? { fileId, name: '', contentType: '', encoding: 'TEXT', version: 0, content: '', sha256: '', deleted: false, pending: [] };
    const file = new SyncedFile(api, state, opts);
    if (opts.live !== false) file.subscribe();
    await file.run(() => (trusted ? file.catchUp() : file.resync(saved ? 'stored content fails its sha256' : 'first open')));
    file.pump();
    return file;
  }

  get fileId(): string {
    return this.state.fileId;
  }
  /** The content with every local edit applied (what the user sees). */
  get content(): string {
    return this.local;
  }
  /** The last version known committed on the server that this replica holds. */
  get version(): number {
    return this.state.version;
  }
  get encoding(): Encoding {
    return this.state.encoding;
  }
  get name(): string {
    return this.state.name;
  }
  get contentType(): string {
    return this.state.contentType;
  }
  get deleted(): boolean {
    return this.state.deleted;
  }
  get pendingEdits(): number {
    return this.state.pending.length;
  }
  get isOnline(): boolean {
    return !this.offline;
  }
  /** Remote changes arrive as they happen: the subscription is acknowledged and not disrupted since. */
  get isLive(): boolean {
    return this.subscribed;
  }
  /** Why the subscription cannot come up (a NetworkError naming the cause), until it is live again. */
  get liveFailure(): CraftSyncError | undefined {
    return this.liveError;
  }

  /**
   * Sets the content. Resolves with the committed change once the edit is on the server (the
   * version it landed as may be later than `version + 1` after a rebase); rejects with
   * UnmergeableConflictError, NotFoundError (deleted) or the server's refusal. Offline, the edit
   * waits in the queue (and in the store) until the server is reachable.
   */
  edit(newContent: string): Promise<FileChange | undefined> {
    if (this.closed) return Promise.reject(new CraftSyncError('Unknown', 'the file is closed'));
    if (this.state.deleted) return Promise.reject(new NotFoundError('NotFound', `file ${this.fileId} was deleted`, { fileId: this.fileId, deleted: true }));
    if (newContent === this.local) return Promise.resolve(undefined);
    // Synchronous on purpose: `content` reflects the edit at once, and the queued patch is relative
    // to exactly the content the caller saw (remote changes rebase the queue atomically).
    const requestId = globalThis.crypto.randomUUID();
    const done = new Promise<FileChange | undefined>((resolve, reject) => this.waiters.set(requestId, { resolve, reject }));
    if (this.state.encoding === 'TEXT') this.state.pending.push({ requestId, patch: diffText(this.local, newContent) });
    else this.state.pending.push({ requestId, content: newContent });
    this.local = newContent;
    void this.save().catch((e: unknown) => this.fail(e));
    this.pump();
    return done;
  }

  /** Resolves when no edit is queued (every edit committed or dropped). */
  flush(): Promise<void> {
    if (this.state.pending.length === 0 && !this.inflight) return Promise.resolve();
    return new Promise((r) => this.idle.add(r));
  }

  /** Pulls what changed now (live files do this by themselves). */
  refresh(): Promise<void> {
    return this.run(() => this.catchUp()).then(() => this.pump());
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    clearTimeout(this.retryTimer);
    clearTimeout(this.gapTimer);
    clearTimeout(this.liveTimer);
    await this.queue.catch(() => undefined);
  }

  // --- the queue -------------------------------------------------------------------------------

  /** Runs `fn` after everything queued before it; a failure is reported, not propagated to later jobs. */
  private run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private subscribe(): void {
    this.unsubscribe = this.api.onFileChanged(this.fileId, {
      next: (change) => void this.run(() => this.receive(change)).catch((e: unknown) => this.fail(e)),
      ready: () => {
        // Acknowledged (first time or after a reconnect): anything committed while we were not
        // subscribed is in the log; pull it before the events queued behind it.
        this.liveError = undefined;
        this.liveFailures = 0;
        void this.refresh().then(
          () => {
            this.setOnline();
            this.subscribed = true;
            this.emit('live');
          },
          (e: unknown) => this.fail(e),
        );
      },
      disrupted: () => {
        this.subscribed = false;
        this.setOffline(new NetworkError('Network', 'real-time connection lost'));
      },
      error: (e) => {
        // The subscription is over (the SDK's contract); a NetworkError is retried with backoff.
        this.subscribed = false;
        this.unsubscribe = undefined;
        if (!(e instanceof NetworkError)) return this.emit('error', e);
        this.liveDown(e);
      },
    });
  }

  /** Real-time cannot come up: say why (once per cause, not per retry) and subscribe again later. */
  private liveDown(e: NetworkError): void {
    if (this.closed) return;
    const news = this.liveError?.message !== e.message;
    this.liveError = e;
    this.liveFailures += 1;
    if (news) {
      this.emit('error', e);
      // Offline until a request answers again (then `online`; `live` only once subscribed).
      this.setOffline(e);
    }
    clearTimeout(this.liveTimer);
    this.liveTimer = setTimeout(() => !this.closed && this.subscribe(), this.backoff(this.liveFailures));
  }

  // --- applying remote changes ------------------------------------------------------------------

  /** One change from the subscription or a mutation result. */
  private async receive(change: FileChange): Promise<void> {
    if (change.fileId !== this.fileId || this.state.deleted) return;
    if (change.version <= this.state.version) {
      this.settleStale(change);
      return;
    }
    if (change.version > this.state.version + 1) {
      // Live: the changes before it are on their way (published as their commits finish); wait a moment.
      if (this.subscribed && !this.closed) {
        this.park(change);
        return;
      }
      await this.catchUp();
      await this.drainParked();
      return;
    }
    if (!(await this.applyNext(change))) await this.resync(`version ${change.version} did not apply`);
    await this.drainParked();
  }

  private park(change: FileChange): void {
    this.parked.set(change.version, change);
    if (this.gapTimer) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      void this.run(async () => {
        if (this.parked.size === 0) return;
        await this.catchUp();
        await this.drainParked();
      })
        .then(() => this.pump())
        .catch((e: unknown) => this.fail(e));
    }, this.opts.gapWaitMs ?? 1000);
  }

  /** Applies parked changes that now follow on; drops those already applied (settling our own). */
  private async drainParked(): Promise<void> {
    for (;;) {
      for (const [v, c] of this.parked) {
        if (v <= this.state.version) {
          this.parked.delete(v);
          this.settleStale(c);
        }
      }
      const next = this.parked.get(this.state.version + 1);
      if (!next || this.state.deleted) break;
      this.parked.delete(next.version);
      if (!(await this.applyNext(next))) {
        await this.resync(`version ${next.version} did not apply`);
        break;
      }
    }
    if (this.parked.size === 0) {
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
    }
    // Our own parked change may just have applied: the next edit can go (a no-op while one is in flight).
    this.pump();
  }

  /**
   * A change at or below our version: already applied. If it answers the edit at the head of the
   * queue, that edit's effect is in the replica already (a full download included it) — drop it.
   */
  private settleStale(change: FileChange): void {
    const head = this.state.pending[0];
    if (head && head.requestId === change.requestId) {
      this.state.pending.shift();
      this.local = this.computeLocal();
      this.settle(head, change);
    } else {
      this.waiters.get(change.requestId)?.resolve(change);
      this.waiters.delete(change.requestId);
    }
  }

  /** Applies the change right after our version; false when it must be repaired by a download. */
  private async applyNext(change: FileChange): Promise<boolean> {
    const s = this.state;
    if (change.op === 'DELETE' || change.deleted) {
      this.markDeleted(change.version);
      return true;
    }
    const head = s.pending[0];
    const own = head !== undefined && head.requestId === change.requestId;
    // Our own upload: we hold its content already, so skip downloading it back (still verified).
    const fetch: FetchContent = own && change.contentUrl != null ? async () => this.computeHead() : this.fetchContent;
    const r = await reconstruct(change, s.content, s.encoding, fetch);
    if ('failure' in r) {
      this.emit('error', new IntegrityError('Integrity', `change ${change.version} of ${this.fileId}: ${r.failure}: ${r.detail}`));
      return false;
    }
    const before = s.content;
    const expected = own ? this.computeHead() : '';
    Object.assign(s, { version: change.version, content: r.content, sha256: change.sha256, name: change.name, contentType: change.contentType, encoding: change.encoding });
    if (change.contentUrl != null) s.inS3 = true;
    else if (change.content != null) s.inS3 = false;
    if (own) {
      s.pending.shift();
      // The server moved our edit over the same changes we rebased it over, so this is rare (a
      // download in between); the edits behind it must still apply to what committed.
      if (expected !== r.content && s.pending.length > 0) this.mergeRemote(expected, r.content, undefined, change.version);
      this.settle(head, change);
    } else {
      this.mergeRemote(before, r.content, r.patch, change.version);
    }
    this.local = this.computeLocal();
    await this.save();
    this.emit('change', { version: s.version, content: this.local, remote: !own, author: change.author });
    return true;
  }

  /** Someone else's change moved the base: rebase text edits over it; binary edits cannot merge. */
  private mergeRemote(before: string, after: string, patch: TextPatch | undefined, version: number): void {
    const s = this.state;
    if (s.pending.length === 0) return;
    if (s.encoding === 'TEXT' && s.pending.every((p) => p.patch)) {
      s.pending = rebasePending(s.pending, patch ?? diffText(before, after));
      return;
    }
    const dropped = s.pending.splice(0);
    const mine = this.local;
    const err = new UnmergeableConflictError(`file ${this.fileId} changed to version ${version} under a binary edit`, mine, version);
    for (const p of dropped) this.settle(p, undefined, err);
    this.emit('conflict', err);
  }

  /** Pulls every change after our version, in pages; falls back to a download when the log cannot. */
  private async catchUp(): Promise<void> {
    let nextToken: string | null | undefined;
    // Pages after the first are asked with the same sinceVersion (the schema's rule for nextToken).
    const since = this.state.version;
    do {
      if (this.state.deleted) return;
      let page: FileChangePage;
      try {
        page = await this.api.getFileChanges(this.fileId, since, { limit: PAGE, nextToken });
      } catch (e) {
        const err = toCraftSyncError(e);
        if (err instanceof LogTruncatedError) return this.resync('the change log no longer covers our version');
        if (err instanceof NotFoundError && err.errorInfo.deleted) return this.markDeleted(this.state.version);
        throw err;
      }
      // Far behind: start from the server's snapshot instead of replaying the whole log.
      if (page.snapshot && page.snapshot.version > this.state.version) {
        const snap = page.snapshot;
        const content = snap.content ?? (snap.contentUrl != null ? await this.fetchContent(snap.contentUrl, snap.sha256, -1) : null);
        if (content == null || (await sha256Hex(content, this.state.encoding)) !== snap.sha256) return this.resync(`snapshot ${snap.version} did not verify`);
        await this.replaceContent(content, { version: snap.version, sha256: snap.sha256, inS3: snap.content == null }, undefined, 'snapshot');
      }
      for (const change of page.items) {
        if (change.version <= this.state.version) continue;
        if (change.version !== this.state.version + 1 || !(await this.applyNext(change))) {
          return this.resync(`version ${change.version} did not apply`);
        }
      }
      nextToken = page.nextToken;
    } while (nextToken);
  }

  /** Replaces the replica with a full download; queued text edits are rebased onto it. */
  private async resync(reason: string): Promise<void> {
    const s = this.state;
    let file;
    try {
      file = await this.api.getFile(this.fileId);
    } catch (e) {
      const err = toCraftSyncError(e);
      if (err instanceof NotFoundError && err.errorInfo.deleted) return this.markDeleted(s.version);
      throw err;
    }
    if (file.deleted) return this.markDeleted(file.version);
    Object.assign(s, { name: file.name, contentType: file.contentType, encoding: file.encoding });
    const content = await this.materialize(file);
    const sha = await sha256Hex(content, file.encoding);
    if (sha !== file.sha256) throw new IntegrityError('Integrity', `file ${this.fileId} version ${file.version}: downloaded content fails its sha256`);
    await this.replaceContent(content, { version: file.version, sha256: file.sha256, inS3: file.content == null }, file.updatedBy, reason);
  }

  /** Replaces the replica's content (a download or a snapshot); queued text edits are rebased onto it. */
  private async replaceContent(content: string, at: { version: number; sha256: string; inS3: boolean }, author: string | undefined, reason: string): Promise<void> {
    const s = this.state;
    const before = s.content;
    const moved = at.version !== s.version || before !== content;
    Object.assign(s, { version: at.version, content, sha256: at.sha256, inS3: at.inS3 });
    if (moved && s.pending.length) {
      if (s.encoding === 'TEXT' && s.pending.every((p) => p.patch)) s.pending = rebasePending(s.pending, diffText(before, content));
      else this.mergeRemote(before, content, undefined, at.version);
    }
    this.local = this.computeLocal();
    await this.save();
    if (reason !== 'first open') this.emit('resync', { reason, version: s.version });
    this.emit('change', { version: s.version, content: this.local, remote: true, author });
  }

  /** The content of `file` at its version (inline, or from S3; see materialize.ts). */
  private async materialize(file: FileWithContent): Promise<string> {
    if (file.content != null) {
      const total = file.encoding === 'TEXT' ? utf8Length(file.content) : file.size;
      this.emit('progress', { fileId: this.fileId, direction: 'download', loaded: total, total });
    }
    return materialize(this.api, file, this.fetchContent);
  }

  /** Downloads S3-held content as the replica holds it (text, or base64), reporting progress. */
  private readonly fetchContent = async (url: string, sha256: string | undefined, size: number): Promise<string> => {
    const bytes = await this.transfer.download(url, {
      sha256,
      size: size >= 0 ? size : undefined,
      onProgress: (p) => this.emit('progress', { fileId: this.fileId, direction: 'download', ...p }),
    });
    return this.state.encoding === 'TEXT' ? new TextDecoder().decode(bytes) : encodeBase64(bytes);
  };

  private markDeleted(version: number): void {
    const s = this.state;
    s.deleted = true;
    s.version = Math.max(s.version, version);
    const err = new NotFoundError('NotFound', `file ${this.fileId} was deleted`, { fileId: this.fileId, deleted: true });
    for (const p of s.pending.splice(0)) this.settle(p, undefined, err);
    this.local = s.content;
    void this.save();
    this.emit('deleted', { version: s.version });
  }

  // --- sending local edits ----------------------------------------------------------------------

  /** Sends the edit at the head of the queue, if any and if nothing is in flight. */
  private pump(): void {
    if (this.inflight || this.closed || (this.offline && this.retryTimer) || this.state.deleted) return;
    const head = this.state.pending[0];
    if (!head) {
      this.notifyIdle();
      return;
    }
    // Committed already, its change waiting for the ones before it: nothing to send until it applies.
    for (const c of this.parked.values()) if (c.requestId === head.requestId) return;
    this.inflight = true;
    void this.send(head).finally(() => {
      this.inflight = false;
      this.pump();
    });
  }

  private async send(edit: PendingEdit): Promise<void> {
    const s = this.state;
    try {
      if (!edit.sent) {
        this.fold(edit);
        // Base, patch and result are taken together, before any await (remote changes rebase the queue).
        const baseVersion = s.version;
        const patch = edit.patch;
        let result: string;
        try {
          result = patch ? apply(patch, s.content) : edit.content!;
        } catch (e) {
          // Cannot happen for patches the engine made; a damaged store could still hold one.
          this.dropQueue(new CraftSyncError('InvalidInput', `queued edit no longer applies: ${(e as PatchError).message}`));
          return;
        }
        const body = await this.body(patch, result);
        edit.sent = { baseVersion, ...body };
        await this.save();
      }
      const change = await this.api.modifyFile({ id: this.fileId, ...edit.sent, requestId: edit.requestId });
      this.failures = 0;
      this.setOnline();
      await this.run(() => this.receive(change));
    } catch (e) {
      const err = toCraftSyncError(e);
      if (err instanceof ConflictError) {
        // Not committed (the server says so): the next attempt is rebuilt from the rebased edit.
        edit.sent = undefined;
        // ACCESS_CHANGED: retry at once. STALE_BASE: pull the new head first (rebasing the queue).
        if (err.reason !== 'ACCESS_CHANGED') await this.run(() => this.catchUp()).catch((x: unknown) => this.fail(x));
        return;
      }
      if (err instanceof NetworkError) {
        this.setOffline(err);
        return;
      }
      if (err instanceof NotFoundError) {
        await this.run(async () => this.markDeleted(s.version));
        return;
      }
      // Refused (Forbidden, InvalidInput, TooLarge, ...): this edit and those built on it cannot land.
      this.dropQueue(err);
    }
  }

  /**
   * What carries an edit: a patch when it is small and the server can apply it (inline content whose
   * result stays inline, or S3-held text with the resulting size stated); the whole content inline
   * when it fits (always so for S3-held content that shrank); otherwise an upload through S3.
   */
  private async body(patch: TextPatch | undefined, result: string): Promise<Omit<SentEdit, 'baseVersion'>> {
    const s = this.state;
    const bytes = contentBytes(result, s.encoding);
    const sha256 = await sha256Hex(bytes);
    const inline = fitsInline(result, s.encoding, bytes);
    const patchJson = patch ? JSON.stringify(patch) : undefined;
    const patchOk = patchJson !== undefined && patchJson.length <= PATCH_JSON_LIMIT && patch!.ops.length <= PATCH_OPS_LIMIT;
    // S3-held content that fits inline again moves back inline once: readers then need no download.
    if (s.inS3 && inline) return { content: result, sha256 };
    if (patchOk && s.inS3) return { patch: patchJson, size: bytes.byteLength, sha256 };
    if (patchOk && inline) return { patch: patchJson, sha256 };
    if (inline) return { content: result, sha256 };
    const { uploadId } = await this.transfer.upload(bytes, {
      sha256,
      contentType: s.contentType,
      onProgress: (p) => this.emit('progress', { fileId: this.fileId, direction: 'upload', ...p }),
    });
    return { upload: { uploadId, length: s.encoding === 'TEXT' ? result.length : undefined }, sha256 };
  }

  /**
   * Folds the unsent text edits queued behind `edit` (the head of the queue, not sent yet) into it: what
   * was typed during a round trip goes as one patch and one commit.
   */
  private fold(edit: PendingEdit): void {
    const q = this.state.pending;
    if (q[0] !== edit || !edit.patch) return;
    while (q.length > 1 && q[1]!.patch && !q[1]!.sent) {
      const next = q.splice(1, 1)[0]!;
      edit.patch = compose(edit.patch, next.patch!);
      edit.merged = [...(edit.merged ?? []), next.requestId, ...(next.merged ?? [])];
    }
  }

  private dropQueue(err: CraftSyncError): void {
    const dropped = this.state.pending.splice(0);
    this.local = this.state.content;
    void this.save();
    for (const p of dropped) this.settle(p, undefined, err);
    this.emit('error', err);
  }

  /** Settles an edit's caller, and those of the edits folded into it, with the change or the error. */
  private settle(edit: PendingEdit, change: FileChange | undefined, err?: CraftSyncError): void {
    for (const id of [edit.requestId, ...(edit.merged ?? [])]) {
      const w = this.waiters.get(id);
      this.waiters.delete(id);
      if (err) w?.reject(err);
      else w?.resolve(change);
    }
    if (this.state.pending.length === 0) this.emit('synced', { version: this.state.version });
  }

  private notifyIdle(): void {
    for (const r of this.idle) r();
    this.idle.clear();
  }

  // --- connectivity -----------------------------------------------------------------------------

  private setOffline(error: CraftSyncError): void {
    if (this.closed) return;
    if (!this.offline) this.emit('offline', { error });
    this.offline = true;
    this.failures += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.refresh().then(
        () => this.setOnline(),
        (e: unknown) => this.fail(e),
      );
    }, this.backoff());
  }

  private setOnline(): void {
    if (!this.offline) return;
    this.offline = false;
    this.failures = 0;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.emit('online');
    this.pump();
  }

  private backoff(failures = this.failures): number {
    const min = this.opts.retryMinMs ?? 200;
    const max = this.opts.retryMaxMs ?? 5_000;
    return Math.min(max, min * 2 ** Math.min(failures, 10)) * (0.75 + Math.random() / 2);
  }

  private fail(e: unknown): void {
    const err = toCraftSyncError(e);
    if (err instanceof NetworkError) this.setOffline(err);
    else this.emit('error', err);
  }

  // --- helpers ----------------------------------------------------------------------------------

  /** The content once the head of the queue is applied. */
  private computeHead(): string {
    const p = this.state.pending[0];
    if (!p) return this.state.content;
    return p.patch ? apply(p.patch, this.state.content) : p.content!;
  }

  private computeLocal(): string {
    let text = this.state.content;
    for (const p of this.state.pending) text = p.patch ? apply(p.patch, text) : p.content!;
    return text;
  }

  private async save(): Promise<void> {
    await this.opts.store?.save(structuredClone(this.state));
  }
}

/** Opens a file for syncing (see SyncedFile.open). */
export function openFile(api: Api, fileId: string, opts?: OpenOptions): Promise<SyncedFile> {
  return SyncedFile.open(api, fileId, opts);
}
