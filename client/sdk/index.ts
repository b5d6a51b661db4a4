/** The craft-sync client SDK: configuration, sign-in, the typed API on aws-amplify v6, typed errors. */
export * from './errors.ts';
export * from './config.ts';
export * from './storage.ts';
export * from './storage-file.ts';
export * from './session.ts';
export * from './api.ts';
// Shadows api.ts's createApi (an explicit export wins over `export *`): Node diagnoses real-time failures in detail.
export { createApi } from './api-node.ts';
export * from './realtime.ts';
export { nodeProbe } from './realtime-node.ts';
export { sha256Hex, contentBytes } from './hash.ts';
export { upload, download, insertContent, fitsInline, INLINE_LIMIT, type UploadOptions, type UploadResult, type DownloadOptions, type TransferProgress } from './transfer.ts';
export {
  verifyWebhookSignature,
  signWebhook,
  webhookSignature,
  generateWebhookSecret,
  isWebhookSecret,
  WEBHOOK_SECRET_PREFIX,
  WEBHOOK_TIMESTAMP_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_EVENT_ID_HEADER,
  WEBHOOK_TOLERANCE_SECONDS,
  type WebhookHeaders,
} from './webhooks.ts';
