import { util, type Context } from '@aws-appsync/utils';
import { invalid } from './errors.ts';

/**
 * Calls to the `content` Lambda data source (resolvers/handlers/content/handler.ts). The handler
 * returns `{ result }` or `{ error: { errorType, message, errorInfo } }`; a documented error ends
 * the request with that errorType, anything else (a crash) with the Lambda's own error.
 */
export function invokeContent(payload: Record<string, unknown>) {
  return { operation: 'Invoke' as const, payload };
}

export function contentResult(ctx: Context): unknown {
  if (ctx.error) util.error(ctx.error.message, ctx.error.type);
  const out = ctx.result as { result?: unknown; error?: { errorType: string; message: string; errorInfo: Record<string, unknown> } } | null;
  if (out && out.error) util.error(out.error.message, out.error.errorType, null, out.error.errorInfo);
  return out ? out.result : null;
}

/** What `verifyUpload` found: the caller's finished upload. */
export interface VerifiedUpload {
  uploadId: string;
  key: string;
  size: number;
  sha256: string;
  contentType: string;
}

/**
 * Size and length of a verified upload for a file of `encoding`: the size is the object's; a TEXT
 * file's length is the writer's declaration, which must be possible for that many UTF-8 bytes
 * (each UTF-16 unit is 1 to 3 bytes).
 */
export function uploadMeasure(encoding: string, upload: VerifiedUpload, declaredLength: number | null | undefined): { size: number; length: number } {
  if (encoding !== 'TEXT') return { size: upload.size, length: upload.size };
  if (declaredLength === null || declaredLength === undefined) invalid('upload.length', 'a TEXT upload declares its length in UTF-16 code units');
  const length = declaredLength as number;
  if (length > upload.size || length * 3 < upload.size) invalid('upload.length', `${length} UTF-16 code units cannot be ${upload.size} UTF-8 bytes`);
  return { size: upload.size, length };
}

/** The before-step check of an upload reference (the Lambda checks the rest). */
export function checkUploadRef(upload: { uploadId: string; length?: number | null }): void {
  if (upload.uploadId.length === 0 || upload.uploadId.length > 1024) invalid('upload.uploadId', 'is not an upload reference');
  if (upload.length !== null && upload.length !== undefined && upload.length < 0) invalid('upload.length', 'must be at least 0');
}
