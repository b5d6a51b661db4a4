import type { Context } from '@aws-appsync/utils';
import type { MutationCreateUploadArgs } from '../generated/graphql.ts';
import { contentResult, invokeContent } from '../lib/content.ts';

interface Presigned {
  url: string;
  method: string;
  headers: Record<string, string>;
}

/** Hands out an upload session for the caller; the Lambda checks the declaration and signs the URLs. */
export function request(ctx: Context<MutationCreateUploadArgs>) {
  const sub = ctx.stash.sub as string;
  const i = ctx.args.input;
  return invokeContent({
    action: 'createUpload',
    sub,
    input: { size: i.size, sha256: i.sha256, contentType: i.contentType, multipart: i.multipart === true, partSize: i.partSize, partSha256: i.partSha256 },
  });
}

export function response(ctx: Context<MutationCreateUploadArgs>) {
  const s = contentResult(ctx) as {
    uploadId: string;
    expiresAt: string;
    put?: Presigned;
    partSize?: number;
    parts?: Array<Presigned & { partNumber: number; size: number }>;
  };
  const parts = [];
  for (const p of s.parts || []) parts.push({ partNumber: p.partNumber, size: p.size, request: presigned(p) });
  // Held until 3.reserve has written the reservation: only then do the URLs go out.
  ctx.stash.session = {
    uploadId: s.uploadId,
    expiresAt: s.expiresAt,
    put: s.put ? presigned(s.put) : null,
    partSize: s.partSize === undefined ? null : s.partSize,
    parts: s.parts ? parts : null,
  };
  return ctx.stash.session;
}

/** Headers as a list of name/value pairs (a GraphQL type cannot be a map). */
function presigned(p: Presigned) {
  const headers = [];
  for (const name of Object.keys(p.headers)) headers.push({ name, value: p.headers[name] as string });
  return { url: p.url, method: p.method, headers };
}
