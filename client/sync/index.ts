/** The craft-sync sync engine: one replica per file, kept exact against the server. */
export { SyncedFile, openFile, s3Transfer, INLINE_LIMIT, type OpenOptions, type SyncEvents, type Progress, type ContentTransfer } from './engine.ts';
export { memoryStore, webStore, type SyncStore, type FileState, type PendingEdit } from './store.ts';
export { fileStore } from './store-file.ts';
export { rebasePending } from './rebase.ts';
