/**
 * The file-system side of `sync <dir>`: a folder's regular files by relative path (`a/b.txt`), read
 * without following links, written atomically, and the walk that lists them.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import type { IgnoreRules } from './dirsync-ignore.ts';

/** The folder's own state (never synced). */
export const META = '.craft-sync';

/** A relative path (`/`-separated) as a path on this machine. */
export function local(dir: string, rel: string): string {
  return join(dir, ...rel.split('/'));
}

/** Size, mtime and inode of whatever has this name (not followed), or undefined. */
export function statSig(path: string): string | undefined {
  try {
    const s = lstatSync(path);
    return `${s.size}:${s.mtimeMs}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/** A file's bytes, refusing a symlink (O_NOFOLLOW) even if one replaced the file since the listing. */
export function readRegular(path: string): Buffer {
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
export function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a file can be created at `rel`: nothing has that name, and every folder above it is a real
 * folder or absent (a file or a symlink in the way would mean writing through it or over it).
 */
export function placeable(dir: string, rel: string): boolean {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i += 1) {
    try {
      if (!lstatSync(local(dir, parts.slice(0, i).join('/'))).isDirectory()) return false;
    } catch {
      return true; // absent from here down
    }
  }
  return !present(local(dir, rel));
}

/** Writes `bytes` at `rel` through a temporary file in the state folder (readers never see half a file). */
export function writeAtomic(dir: string, rel: string, bytes: Buffer | string): void {
  const path = local(dir, rel);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dir, META, `write-${process.pid}.tmp`);
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** Removes the folders above `rel` that are empty now, up to (not including) the synced folder. */
export function pruneEmpty(dir: string, rel: string): void {
  const parts = rel.split('/').slice(0, -1);
  while (parts.length > 0) {
    try {
      rmdirSync(local(dir, parts.join('/'))); // fails unless empty: that is the test
    } catch {
      return;
    }
    parts.pop();
  }
}

export function removeFile(dir: string, rel: string): void {
  rmSync(local(dir, rel), { force: true });
  pruneEmpty(dir, rel);
}

/** `a/b.txt` → `a/b (label).txt`, with a number added until nothing has that name. */
export function sideName(dir: string, rel: string, label: string): string {
  const slash = rel.lastIndexOf('/');
  const base = rel.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
  for (let n = 1; ; n += 1) {
    const name = `${rel.slice(0, slash + 1)}${stem} (${label}${n > 1 ? ` ${n}` : ''})${ext}`;
    if (placeable(dir, name)) return name;
  }
}

/** What a non-regular entry is, for its warning. */
function kindOf(d: { isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  return d.isSymbolicLink() ? 'a symlink (never followed)' : d.isFIFO() ? 'a FIFO' : d.isSocket() ? 'a socket' : 'a device';
}

/**
 * The folder's regular files, recursively, by relative path. Entries are never followed: a symlink could
 * point out of the folder (and a dangling one fails every read), a device, socket or FIFO has no content
 * to sync; `skip` hears of each. Ignored paths (and the state folder) are not entered.
 */
export function walk(dir: string, ignore: IgnoreRules, skip: (rel: string, kind: string) => void): string[] {
  const files: string[] = [];
  const visit = (rel: string) => {
    let entries;
    try {
      entries = readdirSync(rel ? local(dir, rel) : dir, { withFileTypes: true });
    } catch {
      return; // removed while we walked: the next scan sees what is there
    }
    for (const d of entries) {
      const path = rel ? `${rel}/${d.name}` : d.name;
      if (!rel && d.name === META) continue;
      // A name this platform would split is not one we can hand to other machines as one segment.
      if (sep !== '/' && d.name.includes('/')) continue;
      if (d.isDirectory()) {
        if (!ignore.matches(path, true)) visit(path);
      } else if (d.isFile()) {
        if (!ignore.matches(path, false)) files.push(path);
      } else if (!ignore.matches(path, false)) skip(path, kindOf(d));
    }
  };
  visit('');
  return files;
}

/**
 * The relative path a server name can take here, or undefined when it cannot be one as it is: an empty
 * segment, `.` or `..`, a NUL, or the state folder (a name is whatever its author typed).
 */
export function safePath(name: string): string | undefined {
  const parts = name.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\0') || (sep !== '/' && p.includes(sep)))) return undefined;
  if (parts[0] === META) return undefined;
  return name;
}

/** A flat stand-in for a name that cannot be a path here (`a/../b` → `a_.._b`). */
export function flatName(name: string): string {
  const flat = name.replace(/[/\0\\]/g, '_').replace(/^\.+/, '_');
  return flat === '' || flat === META ? `_${flat}` : flat;
}

/** Whether the regular file at `rel` holds exactly `content` (text, or base64 for binary): a size check first, then the bytes. */
export function holds(dir: string, rel: string, content: string, encoding: 'TEXT' | 'BASE64'): boolean {
  const expected = encoding === 'TEXT' ? Buffer.from(content, 'utf8') : Buffer.from(content, 'base64');
  try {
    if (lstatSync(local(dir, rel)).size !== expected.length) return false;
    return readRegular(local(dir, rel)).equals(expected);
  } catch {
    return false;
  }
}

/** Moves a file from `from` to `to` (folders above `to` made, those left empty above `from` removed). */
export function moveFile(dir: string, from: string, to: string): void {
  mkdirSync(dirname(local(dir, to)), { recursive: true });
  renameSync(local(dir, from), local(dir, to));
  pruneEmpty(dir, from);
}
