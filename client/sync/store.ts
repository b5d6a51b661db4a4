/**
 * What a client keeps between runs, per file: the last version it pulled (with that content and its
 * sha256) and the edits not yet committed. A restarted client loads this, asks only for the changes
 * after `version`, and resends its queued edits with their original request ids. In memory or in a
 * Web Storage here; in a directory (Node) in store-file.ts.
 */
import type { TextPatch } from '../patch/index.ts';
import type { Encoding } from '../sdk/hash.ts';

/** A local edit not yet committed: a text patch against the edit before it, or whole content (binary). */
export interface PendingEdit {
  requestId: string;
  patch?: TextPatch;
  content?: string;
  /** Request ids of later edits folded into this one before it was sent (one patch, one commit). */
  merged?: string[];
  /**
   * The request as first sent, kept so every retry with this request id is the same request: the
   * server moves it over whatever was committed since its base. Cleared when the server proves it did
   * not commit (Conflict), so the next attempt is rebuilt from the rebased edit.
   */
  sent?: SentEdit;
}

/** modifyFile's input for a pending edit, less the file id and request id. */
export interface SentEdit {
  baseVersion: number;
  sha256: string;
  patch?: string;
  size?: number;
  content?: string;
  upload?: { uploadId: string; length?: number };
}

export interface FileState {
  fileId: string;
  name: string;
  contentType: string;
  encoding: Encoding;
  /** The last version pulled from (or acknowledged by) the server. */
  version: number;
  /** The content at `version` (text, or base64 for BASE64). */
  content: string;
  sha256: string;
  deleted: boolean;
  /** The server holds this version's content in S3 (a patch of it must state its resulting size). */
  inS3?: boolean;
  /** Uncommitted edits, oldest first; each applies to the result of the one before, the first to `content`. */
  pending: PendingEdit[];
}

export interface SyncStore {
  load(fileId: string): Promise<FileState | undefined>;
  save(state: FileState): Promise<void>;
  remove(fileId: string): Promise<void>;
}

export function memoryStore(): SyncStore {
  const items = new Map<string, string>();
  return {
    load: async (id) => {
      const s = items.get(id);
      return s === undefined ? undefined : (JSON.parse(s) as FileState);
    },
    save: async (s) => void items.set(s.fileId, JSON.stringify(s)),
    remove: async (id) => void items.delete(id),
  };
}

/** One JSON entry per file id in a Web Storage (the browser's `localStorage`), keys under `prefix`. */
export function webStore(store: Storage, prefix = 'craft-sync:file:'): SyncStore {
  return {
    async load(id) {
      const text = store.getItem(prefix + id);
      if (text === null) return undefined;
      try {
        return JSON.parse(text) as FileState;
      } catch {
        return undefined; // As good as none: the file is downloaded again.
      }
    },
    save: async (s) => store.setItem(prefix + s.fileId, JSON.stringify(s)),
    remove: async (id) => store.removeItem(prefix + id),
  };
}
