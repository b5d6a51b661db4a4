/**
 * Where Amplify keeps a signed-in user's tokens. Amplify's token store takes any key-value storage;
 * in memory for tests and short scripts, in a directory (one file per key, written atomically) for
 * the CLI, so a later run is still signed in and Amplify refreshes the tokens itself.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The shape of Amplify's `KeyValueStorageInterface`. */
export interface KeyValueStorage {
  setItem(key: string, value: string): Promise<void>;
  getItem(key: string): Promise<string | null>;
  removeItem(key: string): Promise<void>;
  clear(): Promise<void>;
}

export function memoryStorage(): KeyValueStorage {
  const items = new Map<string, string>();
  return {
    setItem: async (k, v) => void items.set(k, v),
    getItem: async (k) => items.get(k) ?? null,
    removeItem: async (k) => void items.delete(k),
    clear: async () => items.clear(),
  };
}

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
