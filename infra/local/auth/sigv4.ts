/**
 * The one SigV4 verifier of the local stack: a signature is recomputed with the official signer
 * (`@smithy/signature-v4`) from the request as received — method, path, query and exactly the
 * headers the client says it signed — and compared in constant time. Its callers add what their
 * service checks around it and answer in their service's error shapes: AWS_IAM requests and the
 * AWS JSON endpoints (auth/iam.ts), the local S3, header-signed and presigned (services/s3/sigv4.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

export interface SigningKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The request as the verifier re-signs it. */
export interface ReceivedForSigning {
  method: string;
  protocol: 'http:' | 'https:';
  hostname: string;
  path: string;
  query: Record<string, string | string[]>;
  /** Exactly the signed headers, by lower-case name. */
  headers: Record<string, string>;
  body?: string;
}

export interface Scope {
  key: SigningKey;
  region: string;
  service: string;
  /** S3 signs the path as sent (false); every other service escapes it again (true, the default). */
  uriEscapePath?: boolean;
}

const signer = (s: Scope) =>
  new SignatureV4({ credentials: s.key, region: s.region, service: s.service, sha256: Hash.bind(null, 'sha256'), uriEscapePath: s.uriEscapePath ?? true, applyChecksum: false });

/** The `Authorization` header's Credential, SignedHeaders and Signature (absent ones missing from the map). */
export function authorizationFields(value: string): Map<string, string> {
  return new Map(
    value
      .replace(/^AWS4-HMAC-SHA256\s+/, '')
      .split(',')
      .map((p) => {
        const i = p.indexOf('=');
        return (i < 0 ? [p.trim(), ''] : [p.slice(0, i).trim(), p.slice(i + 1).trim()]) as [string, string];
      }),
  );
}

/** Whether `signature` is the header signature of `req` signed at `signingDate` with `signedHeaders`. */
export async function headerSignatureMatches(scope: Scope, req: ReceivedForSigning, signingDate: Date, signedHeaders: string[], signature: string): Promise<boolean> {
  const signed = await signer(scope).sign(
    { method: req.method.toUpperCase(), protocol: req.protocol, hostname: req.hostname, path: req.path, query: req.query, headers: req.headers, body: req.body },
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
  return sameText(expected, signature);
}

/**
 * Whether `signature` is the presigned-URL signature of `req` (its query without X-Amz-Signature).
 * Presigned URLs sign no payload hash: the canonical request says UNSIGNED-PAYLOAD.
 */
export async function presignedSignatureMatches(
  scope: Scope,
  req: ReceivedForSigning,
  signingDate: Date,
  expiresIn: number,
  signedHeaders: string[],
  signedHeadersParam: string,
  signature: string,
): Promise<boolean> {
  const presigned = await signer(scope).presign(
    { method: req.method, protocol: req.protocol, hostname: req.hostname, path: req.path, query: req.query, headers: { ...req.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
    {
      signingDate,
      expiresIn,
      signableHeaders: new Set(signedHeaders),
      unsignableHeaders: new Set(['x-amz-content-sha256']),
      unhoistableHeaders: new Set([...signedHeaders, 'x-amz-content-sha256']),
    },
  );
  const expected = String(presigned.query?.['X-Amz-Signature'] ?? '');
  return presigned.query?.['X-Amz-SignedHeaders'] === signedHeadersParam && sameText(expected, signature);
}

/** `x-amz-date`'s basic ISO 8601 (`20260102T030405Z`), or undefined. */
export function parseAmzDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

export const amzBasic = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** Query pairs as the signer takes them (a repeated name becomes a list). */
export function queryObject(pairs: Iterable<[string, string]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of pairs) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
