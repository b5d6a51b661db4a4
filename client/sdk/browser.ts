/**
 * The SDK for browsers: everything of index.ts that needs no Node module (no files, no node:crypto).
 * Tokens live in memory or a Web Storage (`webStorage(localStorage)`); hashing and ids are Web Crypto.
 */
export * from './errors.ts';
export * from './amplify-config.ts';
export * from './storage.ts';
export * from './session.ts';
export * from './api.ts';
export * from './realtime.ts';
export { sha256Hex, contentBytes, utf8Length } from './hash.ts';
export { upload, download, insertContent, fitsInline, INLINE_LIMIT, type UploadOptions, type UploadResult, type DownloadOptions, type TransferProgress } from './transfer.ts';
