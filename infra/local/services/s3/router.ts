/**
 * Path-style addressing (`/<bucket>/<key>`) and the operation a request names, by method and
 * query, for the subset of S3 the product uses.
 */
import { s3Errors } from './errors.ts';

export type Operation =
  | 'Preflight'
  | 'HeadBucket'
  | 'ListObjectsV2'
  | 'PutObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'GetObjectTagging'
  | 'PutObjectTagging';

export interface Route {
  operation: Operation;
  bucket: string;
  key: string;
  rawPath: string;
  /** Decoded query parameters, in order (what the signature covers). */
  query: Array<[string, string]>;
  params: Map<string, string>;
}

export function route(method: string, url: string, hasCopySource: boolean): Route {
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const query = parseQuery(q < 0 ? '' : url.slice(q + 1));
  const params = new Map(query);
  const slash = rawPath.indexOf('/', 1);
  const bucket = decode(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
  const key = slash < 0 ? '' : decode(rawPath.slice(slash + 1));
  const base = { bucket, key, rawPath, query, params };
  if (!bucket) throw s3Errors.methodNotAllowed();
  if (method === 'OPTIONS') return { ...base, operation: 'Preflight' };
  if (!key) {
    if (method === 'HEAD') return { ...base, operation: 'HeadBucket' };
    if (method === 'GET' && params.get('list-type') === '2') return { ...base, operation: 'ListObjectsV2' };
    if (method === 'GET') throw s3Errors.notImplemented('ListObjects (v1); use list-type=2');
    throw s3Errors.methodNotAllowed();
  }
  const uploadId = params.has('uploadId');
  if (params.has('tagging')) {
    if (method === 'GET') return { ...base, operation: 'GetObjectTagging' };
    if (method === 'PUT') return { ...base, operation: 'PutObjectTagging' };
    throw s3Errors.notImplemented(`${method} ?tagging`);
  }
  switch (method) {
    case 'PUT':
      if (hasCopySource) throw s3Errors.notImplemented('CopyObject');
      return { ...base, operation: uploadId || params.has('partNumber') ? 'UploadPart' : 'PutObject' };
    case 'GET':
      return { ...base, operation: uploadId ? 'ListParts' : 'GetObject' };
    case 'HEAD':
      return { ...base, operation: 'HeadObject' };
    case 'DELETE':
      return { ...base, operation: uploadId ? 'AbortMultipartUpload' : 'DeleteObject' };
    case 'POST':
      if (params.has('uploads')) return { ...base, operation: 'CreateMultipartUpload' };
      if (uploadId) return { ...base, operation: 'CompleteMultipartUpload' };
      throw s3Errors.notImplemented('POST object (browser form uploads)');
    default:
      throw s3Errors.methodNotAllowed();
  }
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw s3Errors.invalidArgument('Invalid URI encoding');
  }
}

/** Splits a raw query string; `+` stays `+` (SigV4 clients encode spaces as %20). */
function parseQuery(raw: string): Array<[string, string]> {
  if (!raw) return [];
  return raw
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const i = pair.indexOf('=');
      return i < 0 ? [decode(pair), ''] : [decode(pair.slice(0, i)), decode(pair.slice(i + 1))];
    });
}
