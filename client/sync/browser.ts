/** The sync engine for browsers: index.ts without the directory store (replicas in memory or a Web Storage). */
export { SyncedFile, openFile, s3Transfer, INLINE_LIMIT, type OpenOptions, type SyncEvents, type Progress, type ContentTransfer } from './engine.ts';
export { memoryStore, webStore, type SyncStore, type FileState, type PendingEdit } from './store.ts';
export { rebasePending } from './rebase.ts';
