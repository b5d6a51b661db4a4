/**
 * What `sync <dir>` remembers between runs, in `<dir>/.craft-sync/`: `index.json` (which path is which
 * file id under which server name, the syncFiles cursor, remote files left out by the ignore file),
 * small and rewritten only when it changed; and `base/<id>`, each file's content as last synced with
 * the disk (the merge base for an edit made while the sync was not looking), rewritten only when that
 * file syncs. Replicas are in `files/` (the sync engine's store).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface IndexEntry {
  id: string;
  /** The server's name for the file when we last agreed on it (differs from the path when the name could not be one here). */
  remote: string;
}

export interface DirIndex {
  v: 2;
  cursor: string | null;
  files: Record<string, IndexEntry>;
  /** Remote files not pulled because the ignore file matches their name: id → name. */
  ignored: Record<string, string>;
}

export interface DirState {
  index: DirIndex;
  save(): void;
  readBase(id: string): string | undefined;
  writeBase(id: string, content: string): void;
  removeBase(id: string): void;
}

export function openState(meta: string): DirState {
  const indexPath = join(meta, 'index.json');
  const baseDir = join(meta, 'base');
  mkdirSync(baseDir, { recursive: true });
  const writeBase = (id: string, content: string) => {
    writeFileSync(join(baseDir, `${id}.tmp`), content);
    renameSync(join(baseDir, `${id}.tmp`), join(baseDir, id));
  };
  let index: DirIndex = { v: 2, cursor: null, files: {}, ignored: {} };
  if (existsSync(indexPath)) {
    const raw = JSON.parse(readFileSync(indexPath, 'utf8')) as Partial<DirIndex> & { names?: Record<string, string>; known?: Record<string, string> };
    if (raw.v === 2) index = raw as DirIndex;
    else {
      // The first format kept every file's content in the index itself (rewritten whole on each change).
      index.cursor = raw.cursor ?? null;
      for (const [name, id] of Object.entries(raw.names ?? {})) {
        index.files[name] = { id, remote: name };
        if (raw.known?.[name] !== undefined) writeBase(id, raw.known[name]);
      }
    }
  }
  return {
    index,
    save() {
      writeFileSync(`${indexPath}.tmp`, JSON.stringify(index));
      renameSync(`${indexPath}.tmp`, indexPath);
    },
    readBase(id) {
      try {
        return readFileSync(join(baseDir, id), 'utf8');
      } catch {
        return undefined;
      }
    },
    writeBase,
    removeBase(id) {
      rmSync(join(baseDir, id), { force: true });
    },
  };
}
