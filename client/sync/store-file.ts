/** The sync engine's replicas in a directory (Node): one JSON file per file id. */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileState, SyncStore } from './store.ts';

/** One JSON file per file id under `dir`, replaced atomically (write, then rename). */
export function fileStore(dir: string): SyncStore {
  mkdirSync(dir, { recursive: true });
  const path = (id: string) => join(dir, `${encodeURIComponent(id)}.json`);
  let seq = 0;
  return {
    async load(id) {
      let text: string;
      try {
        text = readFileSync(path(id), 'utf8');
      } catch {
        return undefined;
      }
      try {
        return JSON.parse(text) as FileState;
      } catch {
        return undefined; // A damaged state file is as good as none: the client downloads the file again.
      }
    },
    async save(s) {
      const tmp = `${path(s.fileId)}.${process.pid}.${seq++}.tmp`;
      writeFileSync(tmp, JSON.stringify(s));
      renameSync(tmp, path(s.fileId));
    },
    async remove(id) {
      rmSync(path(id), { force: true });
    },
  };
}
