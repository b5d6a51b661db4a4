/** Amplify's token store in a directory (Node): the CLI's profile keeps its user signed in between runs. */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyValueStorage } from './storage.ts';

/** Keys become file names (percent-encoded); files are private to the user (0600). */
export function fileStorage(dir: string): KeyValueStorage {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = (k: string) => join(dir, encodeURIComponent(k));
  return {
    async setItem(k, v) {
      const tmp = `${path(k)}.${process.pid}.tmp`;
      writeFileSync(tmp, v, { mode: 0o600 });
      renameSync(tmp, path(k));
    },
    async getItem(k) {
      try {
        return readFileSync(path(k), 'utf8');
      } catch {
        return null;
      }
    },
    async removeItem(k) {
      rmSync(path(k), { force: true });
    },
    async clear() {
      for (const f of readdirSync(dir)) rmSync(join(dir, f), { force: true });
    },
  };
}
