/**
 * Helpers for the content e2e tests: the upload flow over the API (createUpload, presigned PUT or
 * parts, completeUpload) and a direct look into the local S3 (what is stored under a key).
 */
import { createHash, randomUUID } from 'node:crypto';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Runtime } from '../../infra/local/runtime.ts';
import type { SyncUser } from './sync-client.ts';

export const CHANGE = 'fileId version op author at name contentType encoding size length sha256 patch content contentUrl requestId deleted';
export const FILE = 'id name contentType encoding size length sha256 version owner deleted content contentUrl myRole';
export const INSERT = `mutation($input: InsertFileInput!) { insertFile(input: $input) { ${CHANGE} } }`;
export const MODIFY = `mutation($input: ModifyFileInput!) { modifyFile(input: $input) { ${CHANGE} } }`;
export const GET = `query($id: ID!) { getFile(id: $id) { ${FILE} } }`;
export const CHANGES = `query($fileId: ID!, $sinceVersion: Int!) { getFileChanges(fileId: $fileId, sinceVersion: $sinceVersion) { items { ${CHANGE} } nextToken headVersion } }`;
const REQUEST = 'url method headers { name value }';
export const CREATE_UPLOAD = `mutation($input: CreateUploadInput!) { createUpload(input: $input) { uploadId expiresAt put { ${REQUEST} } partSize parts { partNumber size request { ${REQUEST} } } } }`;
export const COMPLETE_UPLOAD = 'mutation($uploadId: ID!) { completeUpload(uploadId: $uploadId) { uploadId } }';
export const ABORT_UPLOAD = 'mutation($uploadId: ID!) { abortUpload(uploadId: $uploadId) }';

export interface Presigned {
  url: string;
  method: string;
  headers: Array<{ name: string; value: string }>;
}

export interface Session {
  uploadId: string;
  expiresAt: string;
  put: Presigned | null;
  partSize: number | null;
  parts: Array<{ partNumber: number; size: number; request: Presigned }> | null;
}

export const hex = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
export const b64sha = (b: Uint8Array) => createHash('sha256').update(b).digest('base64');

export async function createUpload(u: SyncUser, input: { size: number; sha256: string; contentType: string; multipart?: boolean; partSize?: number; partSha256?: string[] }): Promise<Session> {
  const body = await u.call(CREATE_UPLOAD, { input });
  const s = body.data?.createUpload as Session | null;
  if (!s) throw new Error(`createUpload failed: ${JSON.stringify(body.errors)}`);
  return s;
}

/** Sends a presigned request with its signed headers (plus `extra`, which may override them). */
export function send(p: Presigned, bytes: Uint8Array, extra: Record<string, string> = {}, url = p.url): Promise<Response> {
  const headers = Object.fromEntries(p.headers.map((h) => [h.name, h.value]));
  return fetch(url, { method: p.method, body: new Uint8Array(bytes), headers: { ...headers, ...extra } });
}

/** The whole single-PUT flow: a session for `bytes`, then the PUT; returns the uploadId. */
export async function uploadBytes(u: SyncUser, bytes: Uint8Array, contentType: string): Promise<string> {
  const s = await createUpload(u, { size: bytes.length, sha256: hex(bytes), contentType });
  const res = await send(s.put!, bytes);
  if (res.status !== 200) throw new Error(`PUT failed: ${res.status} ${await res.text()}`);
  return s.uploadId;
}

/** The hex SHA-256 of each `partSize` slice of `bytes` (createUpload `partSha256`). */
export const partHashes = (bytes: Uint8Array, partSize = 8 * 1024 * 1024) =>
  Array.from({ length: Math.ceil(bytes.length / partSize) }, (_, i) => hex(bytes.subarray(i * partSize, (i + 1) * partSize)));

/** Uploads every part of a multipart session with its own checksum, then completes it. */
export async function uploadParts(u: SyncUser, s: Session, bytes: Uint8Array): Promise<{ errors?: unknown; uploadId?: string }> {
  let offset = 0;
  for (const p of s.parts!) {
    const chunk = bytes.subarray(offset, offset + p.size);
    offset += p.size;
    const res = await send(p.request, chunk, { 'x-amz-checksum-sha256': b64sha(chunk) });
    if (res.status !== 200) throw new Error(`part ${p.partNumber} failed: ${res.status} ${await res.text()}`);
  }
  const body = await u.call(COMPLETE_UPLOAD, { uploadId: s.uploadId });
  return { errors: body.errors, uploadId: (body.data?.completeUpload as { uploadId: string } | null)?.uploadId };
}

/** Downloads a presigned GET. */
export async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET failed: ${res.status} ${await res.text()}`);
  return Buffer.from(await res.arrayBuffer());
}

/** Whether the local S3 holds the object of `sub`'s upload (the key scheme of resolvers/handlers/content/keys.ts). */
export async function uploadStored(runtime: Runtime, sub: string, uploadId: string): Promise<boolean> {
  const s3 = new S3Client({ endpoint: runtime.s3!.endpoint, region: 'us-east-1', credentials: runtime.s3!.credentials, forcePathStyle: true });
  try {
    await s3.send(new HeadObjectCommand({ Bucket: runtime.s3!.bucketName('content'), Key: `uploads/${encodeURIComponent(sub)}/${uploadId.split('.')[0]!}` }));
    return true;
  } catch (e) {
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw e;
  } finally {
    s3.destroy();
  }
}

export const newId = () => randomUUID();
