/**
 * The `content` Lambda data source: upload sessions, the commit's upload check, and download
 * URLs. Resolvers invoke it with `{ action, sub, ... }` and turn a returned `error` into the
 * documented AppSync errorType; anything thrown is an internal failure.
 */
import { errorFields, log } from '../shared/log.ts';
import { ContentError, type HandlerError } from './errors.ts';
import { settleUpload } from './usage.ts';
import { abortUpload, completeUpload, createUpload, presignDownload, verifyUpload, type CreateUploadInput } from './uploads.ts';

export type ContentRequest =
  | { action: 'createUpload'; sub: string; input: CreateUploadInput }
  | { action: 'completeUpload'; sub: string; uploadId: string }
  | { action: 'abortUpload'; sub: string; uploadId: string }
  | { action: 'verifyUpload'; sub: string; uploadId: string; sha256: string; contentType?: string | null }
  | { action: 'presignDownload'; key: string };

export type ContentResponse = { result: unknown; error?: undefined } | { error: HandlerError; result?: undefined };

export async function handler(event: ContentRequest): Promise<ContentResponse> {
  try {
    switch (event.action) {
      case 'createUpload':
        return { result: await createUpload(event.sub, event.input) };
      case 'completeUpload':
        return { result: await completeUpload(event.sub, event.uploadId) };
      case 'abortUpload':
        return { result: await abortUpload(event.sub, event.uploadId) };
      case 'verifyUpload': {
        const verified = await verifyUpload(event.sub, event.uploadId, { sha256: event.sha256, contentType: event.contentType });
        // Only an upload that passed every check is committed: counted against the quota, no longer expiring.
        await settleUpload(event.sub, verified);
        return { result: verified };
      }
      case 'presignDownload':
        return { result: await presignDownload(event.key) };
      default:
        throw new Error(`unknown action ${(event as { action?: unknown }).action as string}`);
    }
  } catch (e) {
    if (e instanceof ContentError) {
      log('INFO', 'content request refused', { handler: 'content', action: event.action, errorType: e.failure.errorType });
      return { error: e.failure };
    }
    log('ERROR', 'content request failed', { handler: 'content', action: event.action, ...errorFields(e) });
    throw e;
  }
}
