/**
 * Content in S3 (schema "Content in S3"): uploads through createUpload → presigned PUT (or parts in
 * parallel, then completeUpload), and downloads of presigned GETs, both with progress and both
 * checked by SHA-256. The bytes never pass through the API; only fetch and WebCrypto are used, so
 * the same code runs in browsers.
 */
import type { InsertFileInput } from '../generated/graphql.ts';
import type { Api, FileChange, PresignedRequest } from './api.ts';
import { CraftSyncError, IntegrityError, InvalidInputError, NetworkError, toCraftSyncError } from './errors.ts';
import { contentBytes, sha256Hex, type Encoding } from './hash.ts';

/** Inline limits from the schema: UTF-16 units of text, bytes of binary. Larger content goes through S3. */
export const INLINE_LIMIT = 32_768;

/** Whether content may travel inline (`content` is text, or base64 for BASE64). */
export function fitsInline(content: string, encoding: Encoding, bytes = contentBytes(content, encoding)): boolean {
  return encoding === 'TEXT' ? content.length <= INLINE_LIMIT : bytes.byteLength <= INLINE_LIMIT;
}

/** Bytes moved so far of `total`. */
export interface TransferProgress {
  loaded: number;
  total: number;
}

export interface UploadOptions {
  /** The bytes' MIME type; the file's contentType must equal it. */
  contentType: string;
  onProgress?: (p: TransferProgress) => void;
  /** Multipart even below the server's threshold (default: at or above `multipartFrom`). */
  multipart?: boolean;
  /** Size from which to ask for a multipart upload (default 8 MiB). */
  multipartFrom?: number;
  /** Parts in flight at once (default 4). */
  concurrency?: number;
  /** The content's sha256 when the caller has it already. */
  sha256?: string;
  /** Tries per request when S3 is unreachable or answers 5xx (default 3); refusals are not retried. */
  attempts?: number;
}

export interface UploadResult {
  uploadId: string;
  sha256: string;
  size: number;
}

const MULTIPART_FROM = 8 * 1024 * 1024;
const MIB = 1024 * 1024;

/** The schema's default part size: 8 MiB, doubled until the parts fit in S3's 10,000. */
export function partSizeFor(size: number): number {
  let part = 8 * MIB;
  while (Math.ceil(size / part) > 10_000) part *= 2;
  return part;
}

/**
 * Uploads `content` and returns the uploadId to name in insertFile/modifyFile `upload`. Progress
 * advances when a request's bytes are accepted (per part for multipart). On any failure a
 * multipart upload is aborted (best effort) and the typed error is thrown.
 */
export async function upload(api: Api, content: Uint8Array, opts: UploadOptions): Promise<UploadResult> {
  const size = content.byteLength;
  const sha256 = opts.sha256 ?? (await sha256Hex(content));
  const multipart = size > 0 && (opts.multipart ?? size >= (opts.multipartFrom ?? MULTIPART_FROM));
  // Multipart: every part's SHA-256 is declared up front and bound into its URL (required above the
  // server's read-back limit, where the whole SHA-256 is only this declaration; readers verify it).
  const partSize = multipart ? partSizeFor(size) : undefined;
  const partSha256 = partSize === undefined ? undefined : await partHashes(content, partSize);
  const session = await api.createUpload({ size, sha256, contentType: opts.contentType, multipart, ...(partSize === undefined ? {} : { partSize, partSha256 }) });
  let loaded = 0;
  const report = (n: number) => {
    loaded += n;
    opts.onProgress?.({ loaded, total: size });
  };
  opts.onProgress?.({ loaded: 0, total: size });
  if (session.put) {
    await retrying(() => put(session.put!, content), opts.attempts ?? 3);
    report(size);
    return { uploadId: session.uploadId, sha256, size };
  }
  const parts = session.parts ?? [];
  try {
    let next = 0;
    let offset = 0;
    // Parts are consecutive slices; precompute each one's range so workers can take any part.
    const ranges = parts.map((p) => {
      const r = { part: p, start: offset, end: offset + p.size };
      offset += p.size;
      return r;
    });
    if (offset !== size) throw new InvalidInputError('InvalidInput', `upload parts cover ${offset} bytes, not ${size}`, { field: 'parts' });
    // The declared hashes are reused when the session kept the declared part size.
    const declared = session.partSize === partSize ? partSha256 : undefined;
    const worker = async () => {
      while (next < ranges.length) {
        const i = next++;
        const r = ranges[i]!;
        const chunk = content.subarray(r.start, r.end);
        const checksum = declared?.[i] !== undefined ? hexToBase64(declared[i]) : await sha256Base64(chunk);
        await retrying(() => put(r.part.request, chunk, { 'x-amz-checksum-sha256': checksum }), opts.attempts ?? 3);
        report(chunk.byteLength);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, ranges.length)) }, worker));
    const done = await api.completeUpload(session.uploadId);
    return { uploadId: done.uploadId, sha256, size };
  } catch (e) {
    await api.abortUpload(session.uploadId).catch(() => undefined);
    throw toCraftSyncError(e);
  }
}

/**
 * Inserts a file with content of any size: inline when it fits, else uploaded first (with progress)
 * and named by `upload`. `content` is text, or base64 for BASE64.
 */
export async function insertContent(
  api: Api,
  input: Omit<InsertFileInput, 'content' | 'upload' | 'sha256'> & { content: string },
  opts: { onProgress?: (p: TransferProgress) => void } = {},
): Promise<FileChange> {
  const { content, ...rest } = input;
  const encoding = input.encoding ?? 'TEXT';
  const bytes = contentBytes(content, encoding);
  const sha256 = await sha256Hex(bytes);
  if (fitsInline(content, encoding, bytes)) return api.insertFile({ ...rest, content, sha256 });
  const { uploadId } = await upload(api, bytes, { contentType: input.contentType, sha256, onProgress: opts.onProgress });
  return api.insertFile({ ...rest, upload: { uploadId, length: encoding === 'TEXT' ? content.length : undefined }, sha256 });
}

export interface DownloadOptions {
  onProgress?: (p: TransferProgress) => void;
  /** Lowercase hex SHA-256 the bytes must have; IntegrityError otherwise. */
  sha256?: string;
  /** Expected size, when the response does not say (progress `total`). */
  size?: number;
}

/** Downloads a presigned GET, streaming with progress; verifies the SHA-256 when given. */
export async function download(url: string, opts: DownloadOptions = {}): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new NetworkError('Network', `download failed: ${(e as Error).message}`, {}, { cause: e });
  }
  if (res.status !== 200) throw s3Error('GET', res.status, await res.text().catch(() => ''));
  const total = Number(res.headers.get('content-length') ?? opts.size ?? 0);
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  opts.onProgress?.({ loaded, total });
  try {
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      opts.onProgress?.({ loaded, total: Math.max(total, loaded) });
    }
  } catch (e) {
    throw new NetworkError('Network', `download interrupted: ${(e as Error).message}`, {}, { cause: e });
  }
  const bytes = concat(chunks, loaded);
  if (opts.sha256 !== undefined) {
    const sha = await sha256Hex(bytes);
    if (sha !== opts.sha256) throw new IntegrityError('Integrity', `downloaded content has sha256 ${sha}, expected ${opts.sha256}`);
  }
  return bytes;
}

/** Sends one presigned request with exactly its signed headers (plus a part's checksum). */
async function put(req: PresignedRequest, body: Uint8Array, extra: Record<string, string> = {}): Promise<void> {
  const headers: Record<string, string> = { ...extra };
  for (const h of req.headers) headers[h.name] = h.value;
  let res: Response;
  try {
    res = await fetch(req.url, { method: req.method, body: body as Uint8Array<ArrayBuffer>, headers });
  } catch (e) {
    throw new NetworkError('Network', `upload failed: ${(e as Error).message}`, {}, { cause: e });
  }
  if (res.status !== 200) throw s3Error(req.method, res.status, await res.text().catch(() => ''));
  await res.arrayBuffer().catch(() => undefined);
}

/** S3's refusal as a typed error: 5xx/503 are retryable (Network), the rest mean the request was wrong. */
function s3Error(method: string, status: number, body: string): CraftSyncError {
  const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1] ?? '';
  const message = `S3 ${method} answered ${status}${code ? ` ${code}` : ''}`;
  if (status >= 500) return new NetworkError('Network', message, { status, code });
  if (status === 404) return new InvalidInputError('InvalidInput', `${message}: the content is gone (URL expired or object removed)`, { status, code, field: 'contentUrl' });
  return new InvalidInputError('InvalidInput', message, { status, code, field: 'upload' });
}

/** Retries `fn` on NetworkError (transport failures, S3 5xx) with a short jittered backoff. */
async function retrying<T>(fn: () => Promise<T>, attempts: number): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof NetworkError) || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 50 * 2 ** i * (0.5 + Math.random())));
    }
  }
}

async function partHashes(content: Uint8Array, partSize: number): Promise<string[]> {
  const out: string[] = [];
  for (let at = 0; at < content.byteLength; at += partSize) out.push(await sha256Hex(content.subarray(at, at + partSize)));
  return out;
}

function hexToBase64(hex: string): string {
  let s = '';
  for (let i = 0; i < hex.length; i += 2) s += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return btoa(s);
}

async function sha256Base64(b: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', b as Uint8Array<ArrayBuffer>));
  let s = '';
  for (const x of digest) s += String.fromCharCode(x);
  return btoa(s);
}

function concat(chunks: Uint8Array[], n: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
