/**
 * Where Amplify keeps a signed-in user's tokens. Amplify's token store takes any key-value storage;
 * in memory for tests and short scripts, in a Web Storage (`localStorage`) in browsers, in a
 * directory (storage-file.ts: one file per key, written atomically) for the CLI, so a later run is
 * still signed in and Amplify refreshes the tokens itself.
 */

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

/** The browser's `localStorage` (or `sessionStorage`), keys under `prefix` so several users can share one. */
export function webStorage(store: Storage, prefix = ''): KeyValueStorage {
  return {
    setItem: async (k, v) => store.setItem(prefix + k, v),
    getItem: async (k) => store.getItem(prefix + k),
    removeItem: async (k) => store.removeItem(prefix + k),
    async clear() {
      for (let i = store.length - 1; i >= 0; i--) {
        const k = store.key(i);
        if (k !== null && k.startsWith(prefix)) store.removeItem(k);
      }
    },
  };
}
