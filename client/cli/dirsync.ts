/**
 * `craft-sync sync <dir>`: keeps a folder, subfolders included, and the server in step both ways.
 * A file's server name is its path in the folder (`notes/plan.txt`): the server has files, not
 * folders, so a folder is a prefix of its files' names (client/README.md says why). New local files
 * are inserted, local changes become edits (merged with concurrent remote ones by the sync engine),
 * remote changes are written to disk, deletions go both ways. What the server refuses is put back
 * on disk with a warning, and content that cannot be merged is kept as a conflict copy: a file is
 * never gone from both places unless its owner deleted it.
 *
 * Local changes are found by a scan (every interval and on fs.watch; a file whose size, mtime and
 * inode are unchanged is not read); remote ones by each file's live subscription and, for files new
 * to us, by polling syncFiles with a cursor. State: dirsync-state.ts.
 */
import { mkdirSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { apply, decodeBase64, diffText, encodeBase64, rebase } from '../patch/index.ts';
import { insertContent, NetworkError, NotFoundError, toCraftSyncError, type Api, type CraftSyncError } from '../sdk/index.ts';
import { fileStore, openFile, type SyncedFile, type SyncStore } from '../sync/index.ts';
import { flatName, holds, local, META, moveFile, placeable, present, readRegular, removeFile, safePath, sideName, statSig, walk, writeAtomic } from './dirsync-disk.ts';
import { IGNORE_FILE, parseIgnore, type IgnoreRules } from './dirsync-ignore.ts';
import { openState } from './dirsync-state.ts';

export interface SyncEvent {
  /** ISO 8601 time. */
  at: string;
  event: 'started' | 'pushed' | 'pulled' | 'renamed' | 'deleted' | 'removed' | 'restored' | 'conflict' | 'shared' | 'warning';
  /** The path in the folder. */
  file?: string;
  /** The file's version after the event. */
  version?: number;
  id?: string;
  /** The line for people (without the time). */
  message: string;
}

export interface DirSyncOptions {
  /** How often syncFiles is polled for files new to this folder (default 500 ms); also the scan interval where fs.watch does not work. */
  intervalMs?: number;
  /** While nothing new arrives, the poll backs off, doubling up to this (default 4 s); any change brings it back to `intervalMs`. */
  idlePollMs?: number;
  /** With fs.watch working, changes are scanned as they happen and the whole folder only this often (default 10 s), for what a watcher can miss. */
  rescanMs?: number;
  log?: (e: SyncEvent) => void;
  /** How long a new or changed file's size / mtime / inode must hold still before it goes up (default 150 ms): a file being written is not sent half-written. */
  settleMs?: number;
  /** Users every new file of this folder is shared with (by Cognito sub). */
  shareWith?: Array<{ userId: string; role: 'EDITOR' | 'VIEWER' }>;
}

export interface DirSync {
  /** One poll of the server and one scan of the folder. */
  tick(): Promise<void>;
  /** Stops; waits up to `flushMs` (default 10 s) for edits in flight. `unsent`: edits still queued (they go next run). */
  stop(opts?: { flushMs?: number }): Promise<{ unsent: number }>;
}

interface Entry {
  /** Its path in the folder. */
  rel: string;
  id: string;
  file: SyncedFile;
  /** The server's name as we last agreed on it. */
  remote: string;
  /** The content last written to or read from disk (text, or base64 for binary files). */
  known: string;
  /** The file's size, mtime and inode when `known` was last read or written: unchanged, no read. */
  stat?: string;
  /** An edit of ours was cut short by the file's deletion: the disk holds what the server never got. */
  lostEdit?: boolean;
  /** The version at which `remote` was last set (older name changes arriving late are not followed). */
  nameVersion: number;
  /** While our own rename is in flight: its target (name changes meanwhile wait for its result). */
  renaming?: string;
}

/** How long a new or changed file's size / mtime must hold still before it goes up (by default). */
const SETTLE_MS = 150;

const stamp = () => new Date().toISOString().slice(0, 19).replace('T', ' ').replace(/:/g, '');

export async function syncDir(api: Api, dir: string, opts: DirSyncOptions = {}): Promise<DirSync> {
  const emit = opts.log ?? (() => undefined);
  const settleMs = opts.settleMs ?? SETTLE_MS;
  const log = (event: SyncEvent['event'], message: string, e?: { file?: string; version?: number; id?: string }) => emit({ at: new Date().toISOString(), event, ...e, message });
  const warn = (message: string, file?: string) => log('warning', message, { file });
  const meta = join(dir, META);
  mkdirSync(meta, { recursive: true });
  const store: SyncStore = fileStore(join(meta, 'files'));
  const state = openState(meta);
  const index = state.index;
  const entries = new Map<string, Entry>();
  let busy: Promise<void> = Promise.resolve();
  let stopped = false;

  // Written only when something in it changed: an idle folder costs no rewrite.
  let dirty = false;
  const saveIndex = () => {
    if (!dirty) return;
    state.save();
    dirty = false;
  };
  /** `stat`: the file's signature taken before `content` was read from it (a write after the read is then seen next scan). */
  const setKnown = (e: Entry, content: string, stat = statSig(local(dir, e.rel))) => {
    if (e.known !== content) state.writeBase(e.id, content);
    e.known = content;
    e.stat = stat;
  };

  const readDisk = (rel: string, encoding: 'TEXT' | 'BASE64'): string | undefined => {
    try {
      const bytes = readRegular(local(dir, rel));
      return encoding === 'TEXT' ? bytes.toString('utf8') : encodeBase64(bytes);
    } catch {
      return undefined;
    }
  };
  const bytesOf = (content: string, encoding: 'TEXT' | 'BASE64') => (encoding === 'TEXT' ? content : Buffer.from(decodeBase64(content)!));
  const writeDisk = (rel: string, content: string, encoding: 'TEXT' | 'BASE64') => writeAtomic(dir, rel, bytesOf(content, encoding));
  /** Puts the server's content back at `e.rel`; what the disk held instead, if anything, is kept beside it. */
  const restore = (e: Entry, label: string): string | undefined => {
    const disk = readDisk(e.rel, e.file.encoding);
    let copy: string | undefined;
    if (disk !== undefined && disk !== e.file.content) {
      copy = sideName(dir, e.rel, `${label} ${stamp()}`);
      writeDisk(copy, disk, e.file.encoding);
    }
    writeDisk(e.rel, e.file.content, e.file.encoding);
    setKnown(e, e.file.content);
    return copy;
  };

  let ignore: IgnoreRules = parseIgnore('');
  let ignoreSig: string | undefined = 'unread';
  /** Re-reads the ignore file when it changed; remote files it no longer covers are pulled. */
  async function loadIgnore(): Promise<void> {
    const sig = statSig(join(dir, IGNORE_FILE));
    if (sig === ignoreSig) return;
    ignoreSig = sig;
    let text = '';
    try {
      text = readRegular(join(dir, IGNORE_FILE)).toString('utf8');
    } catch {
      // none (or not a regular file): nothing ignored
    }
    ignore = parseIgnore(text);
    for (const [id, name] of Object.entries(index.ignored)) {
      if (ignore.ignores(safePath(name) ?? flatName(name))) continue;
      delete index.ignored[id];
      dirty = true;
      await pullNew(id, name);
    }
  }

  async function track(rel: string, id: string, remote: string): Promise<Entry> {
    const file = await openFile(api, id, { store });
    const base = state.readBase(id);
    const e: Entry = { rel, id, file, remote, known: base ?? '', nameVersion: file.version };
    entries.set(rel, e);
    const was = index.files[rel];
    if (!was || was.id !== id || was.remote !== remote) dirty = true;
    index.files[rel] = { id, remote };
    // A remote change reaches the disk unless the user changed the file since we last saw it; then
    // the next scan merges both (or keeps a conflict copy of binary content).
    file.on('change', ({ remote: fromRemote, version }) => {
      if (!fromRemote || entries.get(e.rel) !== e) return;
      try {
        if (file.name !== e.remote && version > e.nameVersion && e.renaming === undefined) followName(e, file.name, version);
        if (file.content === e.known) return; // a rename only
        if (readDisk(e.rel, file.encoding) === e.known || !present(local(dir, e.rel))) {
          writeDisk(e.rel, file.content, file.encoding);
          setKnown(e, file.content);
          log('pulled', `pulled ${e.rel} v${version}`, { file: e.rel, version, id });
        }
      } catch (err) {
        failOnce(e.rel, `${e.rel} v${version} could not be written: ${(err as Error).message}`);
      }
    });
    // A binary edit the engine could not merge: the disk's bytes are kept beside the server's.
    file.on('conflict', (err) => {
      if (entries.get(e.rel) !== e) return;
      const disk = readDisk(e.rel, file.encoding) ?? err.mine;
      const copy = sideName(dir, e.rel, `conflicted copy ${stamp()}`);
      writeDisk(copy, disk, file.encoding);
      e.known = disk; // so the change that follows is written over it
      log('conflict', `conflict: ${e.rel} changed on the server (v${err.headVersion}) while you changed it here; yours is kept as ${copy}`, { file: e.rel, version: err.headVersion, id });
    });
    file.on('deleted', () => void serial(() => remoteGone(e, 'deleted on the server')));
    // Deleted while we were not running (the open found out): off the disk, unless changed here since.
    if (file.deleted) {
      await remoteGone(e, 'deleted on the server');
      return e;
    }
    if (!present(local(dir, rel))) {
      writeDisk(rel, file.content, file.encoding);
      setKnown(e, file.content);
    } else if (base === undefined && readDisk(rel, file.encoding) === file.content) setKnown(e, file.content);
    // Renamed on the server while we were not running.
    if (file.name !== remote) followName(e, file.name, file.version);
    return e;
  }

  /** Points `e` at another path in the folder (the disk is the caller's). */
  function retarget(e: Entry, to: string, remote: string, version: number): void {
    entries.delete(e.rel);
    delete index.files[e.rel];
    e.rel = to;
    e.remote = remote;
    e.nameVersion = version;
    entries.set(to, e);
    index.files[to] = { id: e.id, remote };
    e.stat = statSig(local(dir, to));
    dirty = true;
  }

  /** The file was renamed on the server: it moves here too (a move, so nothing is downloaded or lost). */
  function followName(e: Entry, name: string, version: number): void {
    const from = e.rel;
    if (safePath(name) === from || (safePath(name) === undefined && name === e.remote)) return retarget(e, from, name, version);
    const to = placeFor(name, e.id);
    if (to === undefined) {
      // Renamed to a path the ignore file covers: it stops syncing here, as if pulled into an ignored path.
      void serial(async () => {
        const disk = readDisk(e.rel, e.file.encoding);
        await drop(e);
        index.ignored[e.id] = name;
        if (disk === e.known) removeFile(dir, from);
        log('removed', `${from} was renamed to ${name}, which ${IGNORE_FILE} matches: no longer synced here`, { file: from, version, id: e.id });
      });
      return;
    }
    if (present(local(dir, from))) moveFile(dir, from, to);
    retarget(e, to, name, version);
    saveIndex();
    log('renamed', `renamed ${from} to ${to} v${version} (on the server)`, { file: to, version, id: e.id });
  }

  /** The user renamed or moved a tracked file (same content at a new path): the server's file follows, keeping its id. */
  /** False when the rename must wait (the server could not be reached): the next scan tries again. */
  async function localMove(e: Entry, to: string): Promise<boolean> {
    const from = e.rel;
    const requestId = globalThis.crypto.randomUUID();
    e.renaming = to;
    try {
      let change;
      // A write landing at the same instant is a Conflict with nothing committed: the same request again.
      for (let attempt = 1; ; attempt += 1) {
        try {
          change = await api.renameFile({ id: e.id, name: to, requestId });
          break;
        } catch (err) {
          const x = toCraftSyncError(err);
          if (x.errorType !== 'Conflict' || attempt >= 5) throw x;
        }
      }
      retarget(e, to, to, change.version);
      log('renamed', `renamed ${from} to ${to} v${change.version}`, { file: to, version: change.version, id: e.id });
    } catch (err) {
      const x = toCraftSyncError(err);
      if (x instanceof NetworkError) {
        failOnce(from, `rename of ${from} to ${to} waits: ${x.message}`);
        return false;
      }
      if (x instanceof NotFoundError) {
        await remoteGone(e, 'deleted on the server'); // the file at `to` then goes up as new
        return true;
      }
      // Refused (a viewer): the file goes back where the server has it.
      if (placeable(dir, from)) moveFile(dir, to, from);
      e.stat = statSig(local(dir, from));
      log('restored', `the server refused to rename ${from} to ${to} (${x.errorType}: ${x.message}): moved back`, { file: from, version: e.file.version, id: e.id });
    } finally {
      e.renaming = undefined;
    }
    // A rename by someone else that arrived meanwhile, after ours: follow it now.
    if (entries.get(e.rel) === e && e.file.name !== e.remote && e.file.version > e.nameVersion) followName(e, e.file.name, e.file.version);
    return true;
  }

  /** Stops syncing `e` (its replica and base go; the disk is left as it is). */
  async function drop(e: Entry): Promise<void> {
    if (entries.get(e.rel) !== e) return;
    entries.delete(e.rel);
    delete index.files[e.rel];
    dirty = true;
    await e.file.close();
    await store.remove(e.id);
    state.removeBase(e.id);
  }

  /** The file is gone from the server (or from us): off the disk too, unless it holds changes not synced. */
  async function remoteGone(e: Entry, why: string): Promise<void> {
    if (entries.get(e.rel) !== e) return;
    const disk = readDisk(e.rel, e.file.encoding);
    await drop(e);
    if (disk !== undefined && (disk !== e.known || e.lostEdit)) {
      warn(`${e.rel} was ${why}, but it holds changes made here that never reached the server: kept, and sent as a new file`, e.rel);
    } else {
      removeFile(dir, e.rel);
      log('removed', `removed ${e.rel} (${why})`, { file: e.rel, id: e.id });
    }
    saveIndex();
  }

  /** A tracked file is no longer on disk: delete it on the server, or put it back if the server would not. */
  async function localGone(e: Entry): Promise<void> {
    // Replaced by something that is not a regular file (the walk warned about it): leave the server alone.
    if (present(local(dir, e.rel))) return;
    if (ignore.ignores(e.rel)) {
      await drop(e);
      index.ignored[e.id] = e.remote;
      log('removed', `no longer syncing ${e.rel} (${IGNORE_FILE}); it stays on the server`, { file: e.rel, id: e.id });
      return;
    }
    let role: string | null | undefined;
    try {
      const head = await api.getFile(e.id);
      if (head.deleted) return remoteGone(e, 'deleted on the server');
      role = head.myRole;
    } catch (err) {
      const x = toCraftSyncError(err);
      if (x instanceof NotFoundError) return remoteGone(e, 'deleted on the server');
      return failOnce(e.rel, `delete of ${e.rel} waits: ${x.message}`);
    }
    if (role === 'OWNER') {
      try {
        const change = await api.deleteFile({ id: e.id });
        await drop(e);
        log('deleted', `deleted ${e.rel} v${change.version}`, { file: e.rel, version: change.version, id: e.id });
        return;
      } catch (err) {
        const x = toCraftSyncError(err);
        if (x instanceof NetworkError) return failOnce(e.rel, `delete of ${e.rel} waits: ${x.message}`);
        restore(e, 'restored');
        return void log('restored', `the server refused to delete ${e.rel} (${x.errorType}: ${x.message}): restored v${e.file.version}`, { file: e.rel, version: e.file.version, id: e.id });
      }
    }
    restore(e, 'restored');
    log(
      'restored',
      `the server refused to delete ${e.rel}: only its owner deletes it, and you are ${role === 'EDITOR' ? 'an editor' : role === 'VIEWER' ? 'a viewer' : 'not a member'}: restored v${e.file.version}`,
      { file: e.rel, version: e.file.version, id: e.id },
    );
  }

  /** An edit the server refused (a viewer's, say): the server's content goes back, the refused one beside it. */
  function refused(e: Entry, err: CraftSyncError): void {
    void serial(async () => {
      if (entries.get(e.rel) !== e) return;
      const copy = restore(e, 'refused edit');
      log('restored', `the server refused your edit of ${e.rel} (${err.errorType}: ${err.message}): restored v${e.file.version}${copy ? `; your version is kept as ${copy}` : ''}`, {
        file: e.rel,
        version: e.file.version,
        id: e.id,
      });
    });
  }

  const skipped = new Map<string, string>();
  const failing = new Map<string, string>();
  /** Logs a failure once (again only when it changes), not on every scan. */
  function failOnce(rel: string, why: string): void {
    if (failing.get(rel) !== why) warn(why, rel);
    failing.set(rel, why);
  }
  /** New or changed files by their size / mtime / inode when first seen: one goes up once that held still for settleMs. */
  const settling = new Map<string, { sig: string | undefined; since: number }>();
  function holdsStill(rel: string, sig: string | undefined): boolean {
    const first = settling.get(rel);
    if (!first || first.sig !== sig) {
      settling.set(rel, { sig, since: Date.now() });
      wakeAfter(settleMs);
      return false;
    }
    const waited = Date.now() - first.since;
    if (waited < settleMs) {
      wakeAfter(settleMs - waited);
      return false;
    }
    settling.delete(rel);
    return true;
  }
  // One timer, set only while a file settles, scans again when it should have held still: a change
  // goes up settleMs after its last write, and an idle folder has no timer for it.
  let settleTimer: ReturnType<typeof setTimeout> | undefined;
  let onSettled: () => void = () => undefined; // the scan scheduler, once the sync runs
  function wakeAfter(ms: number): void {
    if (settleTimer !== undefined || stopped) return;
    settleTimer = setTimeout(() => {
      settleTimer = undefined;
      onSettled();
    }, ms + 5);
  }

  async function pushNew(rel: string): Promise<void> {
    const seen = statSig(local(dir, rel)); // taken before the read: a write during it is seen next scan
    // A file being written (the watcher fires on its creation, before its bytes) would go up empty,
    // and as TEXT for good: wait until it has held still for a moment (the next scans look again).
    if (!holdsStill(rel, seen)) return;
    const bytes = readRegular(local(dir, rel));
    const text = bytes.toString('utf8');
    const isText = Buffer.from(text, 'utf8').equals(bytes) && !text.includes('\0');
    const content = isText ? text : encodeBase64(bytes);
    const encoding = isText ? 'TEXT' : 'BASE64';
    // Large files go up through S3 (insertContent picks inline or upload).
    const change = await insertContent(api, { name: rel, contentType: isText ? 'text/plain; charset=utf-8' : 'application/octet-stream', encoding, content });
    state.writeBase(change.fileId, content);
    const e = await track(rel, change.fileId, rel);
    e.stat ??= seen;
    const shared: string[] = [];
    for (const s of opts.shareWith ?? []) {
      try {
        await api.shareFile({ fileId: change.fileId, userId: s.userId, role: s.role });
        shared.push(`${s.userId} (${s.role.toLowerCase()})`);
      } catch (err) {
        warn(`sharing ${rel} with ${s.userId} failed: ${toCraftSyncError(err).message}`, rel);
      }
    }
    const who = shared.length ? `shared with ${shared.join(', ')}` : 'private to you; sync --share-with <user-sub> shares new files';
    log('pushed', `pushed new ${rel} v${change.version} (${who})`, { file: rel, version: change.version, id: change.fileId });
  }

  async function scanOne(rel: string): Promise<void> {
    const e = entries.get(rel);
    if (!e) return pushNew(rel);
    if (e.file.deleted) return; // its 'deleted' handler decides what stays
    // Size, mtime and inode first: an untouched file is not read at all. Taken before the read, so a
    // write landing during or after the read changes it and is read next scan.
    const sig = statSig(local(dir, rel));
    if (sig !== undefined && sig === e.stat) return;
    // A file being written (an editor truncates, then writes) must not go up half-written, or empty:
    // a change goes up once the file held still for settleMs (the settle timer scans again).
    if (!holdsStill(rel, sig)) return;
    const disk = readDisk(rel, e.file.encoding);
    if (disk === undefined) return;
    if (disk === e.known) {
      e.stat = sig;
      return;
    }
    // The user's change is relative to what we last put on disk; the replica may have moved since.
    let next = disk;
    if (e.file.content !== e.known) {
      if (e.file.encoding !== 'TEXT') {
        // Binary content changed on both sides: neither wins, both stay.
        const copy = restore(e, 'conflicted copy');
        log('conflict', `conflict: ${rel} changed on the server (v${e.file.version}) and here; yours is kept as ${copy}`, { file: rel, version: e.file.version, id: e.id });
        return;
      }
      next = apply(rebase(diffText(e.known, disk), diffText(e.known, e.file.content)), e.file.content);
      writeDisk(rel, next, 'TEXT');
      setKnown(e, next);
    } else setKnown(e, next, sig);
    e.file.edit(next).then(
      (change) => change && log('pushed', `pushed ${e.rel} v${change.version}`, { file: e.rel, version: change.version, id: e.id }),
      (err: unknown) => {
        const x = toCraftSyncError(err);
        // A deletion and a binary conflict have their own events; the rest was refused.
        if (x instanceof NotFoundError) e.lostEdit = true;
        if (x instanceof NotFoundError || x.errorInfo.reason === 'UNMERGEABLE') return;
        refused(e, x);
      },
    );
  }

  /** Local side: new files inserted, changed files edited, missing files deleted (or restored). */
  async function scan(): Promise<void> {
    await loadIgnore();
    const seen = new Set<string>();
    const names = walk(dir, ignore, (rel, kind) => {
      seen.add(rel);
      if (skipped.get(rel) !== kind) warn(`skipping ${rel}: ${kind}`, rel);
      skipped.set(rel, kind);
    });
    for (const rel of skipped.keys()) if (!seen.has(rel)) skipped.delete(rel);
    // A tracked file gone from its path and one new path holding exactly its content: a rename or move.
    const listed = new Set(names);
    for (const rel of settling.keys()) if (!listed.has(rel)) settling.delete(rel); // gone while settling: no more scans for it
    const fresh = names.filter((rel) => !entries.has(rel));
    /** New paths a move claimed (not new files), and files whose move must wait (not deletions). */
    const claimed = new Set<string>();
    const waiting = new Set<Entry>();
    for (const e of [...entries.values()]) {
      if (listed.has(e.rel) || present(local(dir, e.rel)) || e.file.deleted || fresh.length === 0) continue;
      const to = fresh.find((rel) => holds(dir, rel, e.known, e.file.encoding));
      if (to === undefined) continue;
      fresh.splice(fresh.indexOf(to), 1);
      claimed.add(to);
      if (!(await localMove(e, to))) waiting.add(e);
    }
    // One file that cannot be read or pushed must not hold up the others.
    for (const rel of names) {
      if (claimed.has(rel) && !entries.has(rel)) continue;
      try {
        await scanOne(rel);
        failing.delete(rel);
      } catch (err) {
        failOnce(rel, `${rel}: ${(err as Error).message}`);
      }
    }
    for (const e of [...entries.values()]) if (!listed.has(e.rel) && !waiting.has(e)) await localGone(e);
    saveIndex();
  }

  /** Where a remote file goes here: its name when that is a free path, else a free name beside it. */
  function placeFor(name: string, id: string): string | undefined {
    const safe = safePath(name);
    const rel = safe ?? flatName(name);
    if (ignore.ignores(rel)) return undefined;
    if (safe && !entries.has(rel) && placeable(dir, rel)) return rel;
    const free = sideName(dir, placeable(dir, rel) || !safe ? rel : flatName(name), id.slice(0, 8));
    warn(`${name} is pulled as ${free}: ${safe ? 'that path is taken here' : 'its name cannot be a path here'}`, free);
    return free;
  }

  async function pullNew(id: string, name: string): Promise<void> {
    const rel = placeFor(name, id);
    if (rel === undefined) {
      index.ignored[id] = name;
      dirty = true;
      log('removed', `not pulling ${name}: ${IGNORE_FILE} matches it`, { file: name, id });
      return;
    }
    const e = await track(rel, id, name);
    if (entries.get(rel) !== e) return;
    log('pulled', `pulled new ${rel} v${e.file.version}`, { file: rel, version: e.file.version, id });
  }

  /** Set when a poll found something or the folder changed since the last poll: the next one runs at the base interval (see `schedulePoll`). */
  let active = false;
  /** Remote side: files new to this folder (or deleted) since the cursor. */
  async function poll(): Promise<void> {
    let more = true;
    while (more) {
      const page = await api.syncFiles(index.cursor);
      if (page.cursor !== index.cursor) dirty = true;
      if (page.items.length > 0) active = true;
      index.cursor = page.cursor;
      more = page.hasMore;
      for (const f of page.items) {
        const e = [...entries.values()].find((x) => x.id === f.id);
        if (f.deleted || !f.myRole) {
          if (e) await remoteGone(e, f.deleted ? 'deleted on the server' : 'no longer shared with you');
          if (index.ignored[f.id]) {
            delete index.ignored[f.id];
            dirty = true;
          }
          continue;
        }
        if (e || index.ignored[f.id] !== undefined) continue;
        await pullNew(f.id, f.name);
      }
    }
    saveIndex();
  }

  function serial(fn: () => Promise<void>): Promise<void> {
    busy = busy.then(() => (stopped ? undefined : fn())).catch((e: Error) => warn(`sync: ${e.message}`));
    return busy;
  }

  await loadIgnore();
  for (const [rel, f] of Object.entries(index.files)) await track(rel, f.id, f.remote);
  const tick = () =>
    serial(async () => {
      await poll();
      await scan();
    });
  await tick();
  const shares = opts.shareWith?.length ? `shared with ${opts.shareWith.map((s) => `${s.userId} (${s.role.toLowerCase()})`).join(', ')}` : 'private to you (--share-with <user-sub> shares them)';
  log('started', `syncing ${dir}: ${entries.size} files; new files from here are ${shares}`);
  // One scan queued at a time, however many events arrive meanwhile: a burst of writes costs one walk.
  let scanQueued = false;
  const scheduleScan = () => {
    if (scanQueued) return;
    scanQueued = true;
    void serial(async () => {
      scanQueued = false;
      await scan();
    });
  };
  let watcher: FSWatcher | undefined;
  const onEvent = (_: string, name: string | Buffer | null) => {
    // Our own writes in the state folder are not changes to look for.
    if (typeof name === 'string' && (name === META || name.startsWith(`${META}/`))) return;
    active = true; // someone is working here: files from elsewhere are looked for at the base interval again
    scheduleScan();
  };
  try {
    watcher = watch(dir, { recursive: true }, onEvent);
    watcher.on('error', () => undefined); // the folder went away or the watch broke: the timers still scan
  } catch {
    // Polling alone still works where fs.watch does not.
  }
  const interval = opts.intervalMs ?? 500;
  // Idle, the syncFiles poll (an HTTP request each) backs off, doubling up to idlePollMs: most of an
  // idle folder's CPU was this poll every 500 ms. Edits to tracked files come by subscription, not by it.
  const idlePoll = Math.max(interval, opts.idlePollMs ?? 4000);
  let pollDelay = interval;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  const schedulePoll = () => {
    pollTimer = setTimeout(() => {
      void serial(poll).then(() => {
        if (stopped || pollTimer === undefined) return;
        pollDelay = active ? interval : Math.min(pollDelay * 2, idlePoll);
        active = false;
        schedulePoll();
      });
    }, pollDelay);
  };
  schedulePoll();
  const scanTimer = setInterval(scheduleScan, watcher ? (opts.rescanMs ?? 10_000) : interval);
  onSettled = scheduleScan;
  if (settling.size > 0) wakeAfter(settleMs);
  return {
    tick,
    async stop(o = {}) {
      clearTimeout(pollTimer);
      pollTimer = undefined;
      clearInterval(scanTimer);
      clearTimeout(settleTimer);
      onSettled = () => undefined;
      watcher?.close();
      await busy;
      stopped = true;
      let timeout: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([Promise.all([...entries.values()].map((e) => e.file.flush())), new Promise((r) => (timeout = setTimeout(r, o.flushMs ?? 10_000)))]);
      clearTimeout(timeout);
      const unsent = [...entries.values()].reduce((n, e) => n + e.file.pendingEdits, 0);
      await Promise.all([...entries.values()].map((e) => e.file.close()));
      saveIndex();
      return { unsent };
    },
  };
}
