/**
 * `craft-sync sync <dir>`: keeps a flat folder and the server in step both ways. Every file the user
 * can see is a file in the folder, named by its `name`; new local files are inserted, local changes
 * become edits (merged with concurrent remote ones by the sync engine), remote changes are written
 * to disk, deletions go both ways (a local delete deletes on the server only for the owner).
 *
 * Local changes are found by a scan (every interval and on fs.watch); remote ones by each file's
 * live subscription and, for files new to us, by polling syncFiles with a cursor. The folder's own
 * state (name → id, cursor, replicas) lives in `<dir>/.craft-sync/`.
 */
import { closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { apply, diffText, encodeBase64, decodeBase64, rebase } from '../patch/index.ts';
import { insertContent, type Api } from '../sdk/index.ts';
import { fileStore, openFile, type SyncedFile, type SyncStore } from '../sync/index.ts';

export interface DirSyncOptions {
  /** Scan and poll interval (default 500 ms). */
  intervalMs?: number;
  log?: (line: string) => void;
}

export interface DirSync {
  /** One scan of the folder and one poll of the server. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

interface Entry {
  id: string;
  file: SyncedFile;
  /** The content last written to or read from disk (text, or base64 for binary files). */
  known: string;
  /** The file's size, mtime and inode when `known` was last read or written: unchanged, no read. */
  stat?: string;
}

/** Size, mtime and inode of whatever has this name (not followed), or undefined. */
/** How long a new file's size / mtime must hold still before it is uploaded. */
const SETTLE_MS = 150;

function statSig(path: string): string | undefined {
  try {
    const s = lstatSync(path);
    return `${s.size}:${s.mtimeMs}:${s.ino}`;
  } catch {
    return undefined;
  }
}

const META = '.craft-sync';

/** A file's bytes, refusing a symlink (O_NOFOLLOW) even if one replaced the file since the listing. */
function readRegular(path: string): Buffer {
  // O_NONBLOCK: a FIFO swapped in must not hang the open.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) throw Object.assign(new Error(`${path} is no longer a regular file`), { code: 'ENOTREG' });
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Whether anything (a symlink too, dangling or not) has this name. */
function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

export async function syncDir(api: Api, dir: string, opts: DirSyncOptions = {}): Promise<DirSync> {
  const log = opts.log ?? (() => undefined);
  const meta = join(dir, META);
  mkdirSync(meta, { recursive: true });
  const store: SyncStore = fileStore(join(meta, 'files'));
  const indexPath = join(meta, 'index.json');
  const index = existsSync(indexPath)
    ? (JSON.parse(readFileSync(indexPath, 'utf8')) as { cursor: string | null; names: Record<string, string>; known: Record<string, string> })
    : { cursor: null, names: {}, known: {} };
  const entries = new Map<string, Entry>();
  const me = (await api.session.currentUser()).sub;
  let busy: Promise<void> = Promise.resolve();
  let stopped = false;

  // Written only when something in it changed: an idle folder costs no rewrite.
  let dirty = false;
  const saveIndex = () => {
    if (!dirty) return;
    for (const [name, e] of entries) index.known[name] = e.known;
    writeFileSync(`${indexPath}.tmp`, JSON.stringify(index));
    renameSync(`${indexPath}.tmp`, indexPath);
    dirty = false;
  };
  const setKnown = (name: string, e: Entry, content: string) => {
    e.known = content;
    e.stat = statSig(join(dir, name));
    dirty = true;
  };

  const readDisk = (name: string, encoding: 'TEXT' | 'BASE64'): string | undefined => {
    try {
      const bytes = readRegular(join(dir, name));
      return encoding === 'TEXT' ? bytes.toString('utf8') : encodeBase64(bytes);
    } catch {
      return undefined;
    }
  };
  const writeDisk = (name: string, content: string, encoding: 'TEXT' | 'BASE64') => {
    const tmp = join(meta, `${name}.tmp`);
    writeFileSync(tmp, encoding === 'TEXT' ? content : decodeBase64(content)!);
    renameSync(tmp, join(dir, name));
  };

  async function track(name: string, id: string): Promise<void> {
    const file = await openFile(api, id, { store });
    const entry: Entry = { id, file, known: index.known[name] ?? '' };
    entries.set(name, entry);
    if (index.names[name] !== id) dirty = true;
    index.names[name] = id;
    // A remote change reaches the disk unless the user changed the file since we last saw it; then
    // the next scan merges both.
    file.on('change', ({ remote }) => {
      if (!remote) return;
      if (readDisk(name, file.encoding) === entry.known || !present(join(dir, name))) {
        writeDisk(name, file.content, file.encoding);
        setKnown(name, entry, file.content);
        saveIndex();
        log(`pulled ${name} v${file.version}`);
      }
    });
    file.on('deleted', () => void serial(() => forget(name, true)));
    if (!present(join(dir, name)) || (entry.known === '' && readDisk(name, file.encoding) === file.content)) {
      writeDisk(name, file.content, file.encoding);
      setKnown(name, entry, file.content);
    }
  }

  async function forget(name: string, removeLocal: boolean): Promise<void> {
    const e = entries.get(name);
    if (!e) return;
    entries.delete(name);
    delete index.names[name];
    delete index.known[name];
    dirty = true;
    await e.file.close();
    await store.remove(e.id);
    if (removeLocal) rmSync(join(dir, name), { force: true });
    saveIndex();
    log(`removed ${name}`);
  }

  /**
   * The folder's regular files. Entries are never followed: a symlink could point out of the folder
   * (and a dangling one fails every read), a device, socket or FIFO has no content to sync. Each is
   * skipped with one warning while it stays what it is.
   */
  const skipped = new Map<string, string>();
  function regularFiles(): string[] {
    const names: string[] = [];
    const seen = new Set<string>();
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (d.name.startsWith('.')) continue;
      if (d.isFile()) {
        names.push(d.name);
        continue;
      }
      const kind = d.isSymbolicLink() ? 'a symlink (never followed)' : d.isDirectory() ? 'a folder (subfolders are not synced yet)' : d.isFIFO() ? 'a FIFO' : d.isSocket() ? 'a socket' : 'a device';
      seen.add(d.name);
      if (skipped.get(d.name) !== kind) log(`warning: skipping ${d.name}: ${kind}`);
      skipped.set(d.name, kind);
    }
    for (const name of skipped.keys()) if (!seen.has(name)) skipped.delete(name);
    return names;
  }

  const failing = new Map<string, string>();
  /** New files by their size / mtime / inode when first seen: one goes up once that held still for SETTLE_MS. */
  const settling = new Map<string, { sig: string | undefined; since: number }>();
  function holdsStill(name: string, sig: string | undefined): boolean {
    const first = settling.get(name);
    if (!first || first.sig !== sig) {
      settling.set(name, { sig, since: Date.now() });
      return false;
    }
    if (Date.now() - first.since < SETTLE_MS) return false;
    settling.delete(name);
    return true;
  }
  async function scanOne(name: string): Promise<void> {
    const e = entries.get(name);
    if (!e) {
      const seen = statSig(join(dir, name)); // taken before the read: a write during it is seen next scan
      // A file being written (the watcher fires on its creation, before its bytes) would go up empty,
      // and as TEXT for good: wait until it has held still for a moment (the next scans look again).
      if (!holdsStill(name, seen)) return;
      const bytes = readRegular(join(dir, name));
      const text = bytes.toString('utf8');
      const isText = Buffer.from(text, 'utf8').equals(bytes) && !text.includes('\0');
      const content = isText ? text : encodeBase64(bytes);
      const encoding = isText ? 'TEXT' : 'BASE64';
      // Large files go up through S3 (insertContent picks inline or upload).
      const change = await insertContent(api, { name, contentType: isText ? 'text/plain; charset=utf-8' : 'application/octet-stream', encoding, content });
      index.known[name] = content;
      dirty = true;
      await track(name, change.fileId);
      const tracked = entries.get(name)!;
      tracked.stat ??= seen;
      log(`pushed new ${name}`);
      return;
    }
    // Size, mtime and inode first: an untouched file is not read at all.
    const sig = statSig(join(dir, name));
    if (sig !== undefined && sig === e.stat) return;
    const disk = readDisk(name, e.file.encoding);
    if (disk === undefined) return;
    if (disk === e.known) {
      e.stat = sig;
      return;
    }
    // The user's change is relative to what we last put on disk; the replica may have moved since.
    let next = disk;
    if (e.file.encoding === 'TEXT' && e.file.content !== e.known) {
      next = apply(rebase(diffText(e.known, disk), diffText(e.known, e.file.content)), e.file.content);
      writeDisk(name, next, 'TEXT');
    }
    setKnown(name, e, next);
    void e.file.edit(next).catch((err: Error) => log(`edit of ${name} failed: ${err.message}`));
    log(`pushed ${name}`);
  }

  /** Local side: new files inserted, changed files edited, deleted files deleted. */
  async function scan(): Promise<void> {
    const names = regularFiles();
    for (const name of names) {
      // One file that cannot be read or pushed must not hold up the others; its failure is logged
      // once (again only when it changes), not on every scan.
      try {
        await scanOne(name);
        failing.delete(name);
      } catch (err) {
        const why = (err as Error).message;
        if (failing.get(name) !== why) log(`warning: ${name}: ${why}`);
        failing.set(name, why);
      }
    }
    for (const name of [...entries.keys()]) {
      if (names.includes(name)) continue;
      const e = entries.get(name)!;
      const head = await api.getFile(e.id).catch(() => undefined);
      if (head && head.owner === me && !head.deleted) await api.deleteFile({ id: e.id }).catch((err: Error) => log(`delete of ${name} failed: ${err.message}`));
      await forget(name, false);
    }
    saveIndex();
  }

  /** Remote side: files new to this folder (or deleted) since the cursor. */
  async function poll(): Promise<void> {
    let more = true;
    while (more) {
      const page = await api.syncFiles(index.cursor);
      if (page.cursor !== index.cursor) dirty = true;
      index.cursor = page.cursor;
      more = page.hasMore;
      for (const f of page.items) {
        const name = Object.keys(index.names).find((n) => index.names[n] === f.id);
        if (f.deleted || !f.myRole) {
          if (name) await forget(name, true);
          continue;
        }
        if (name) continue;
        const free = entries.has(f.name) || present(join(dir, f.name)) ? `${f.name}.${f.id.slice(0, 8)}` : f.name;
        await track(free, f.id);
        log(`pulled new ${free}`);
      }
    }
    saveIndex();
  }

  function serial(fn: () => Promise<void>): Promise<void> {
    busy = busy.then(() => (stopped ? undefined : fn())).catch((e: Error) => log(`sync: ${e.message}`));
    return busy;
  }

  for (const [name, id] of Object.entries(index.names)) await track(name, id);
  const tick = () =>
    serial(async () => {
      await poll();
      await scan();
    });
  await tick();
  const timer = setInterval(() => void tick(), opts.intervalMs ?? 500);
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, () => void serial(scan));
  } catch {
    // Polling alone still works where fs.watch does not.
  }
  return {
    tick,
    async stop() {
      clearInterval(timer);
      watcher?.close();
      await busy;
      stopped = true;
      await Promise.all([...entries.values()].map((e) => e.file.flush().then(() => e.file.close())));
    },
  };
}
