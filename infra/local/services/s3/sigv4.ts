/**
 * SigV4 for S3, header-signed and presigned: S3's own checks (scope, clock, expiry, required
 * headers) and error shapes around the one SigV4 verifier (auth/sigv4.ts), which recomputes the
 * signature from the request as received — method, raw path, query, and exactly the headers the
 * client says it signed — and compares. What a presigned URL
 * binds (expiry, signed headers such as content-type, content-length or a checksum) is enforced
 * by this recomputation; the body itself is checked against the signed hash later, while it
 * streams (see body.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { authorizationFields, headerSignatureMatches, parseAmzDate, presignedSignatureMatches, queryObject } from '../../auth/sigv4.ts';
import { s3Errors } from './errors.ts';

export interface S3Credential {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface ReceivedRequest {
  method: string;
  /** The path exactly as sent (still percent-encoded). */
  rawPath: string;
  /** Decoded query parameters in order. */
  query: Array<[string, string]>;
  headers: IncomingHttpHeaders;
}

export interface Authenticated {
  accessKeyId: string;
  /** `x-amz-content-sha256` as signed: a hex hash, `UNSIGNED-PAYLOAD` or a `STREAMING-…` mode. */
  payloadHash: string;
  presigned: boolean;
  signedHeaders: string[];
}

export interface VerifierOptions {
  credentials: S3Credential[];
  region: string;
  now?: () => Date;
}

/** S3 refuses header-signed requests dated further than this from its clock. */
const MAX_SKEW_MS = 15 * 60_000;
const MAX_PRESIGN_SECONDS = 604_800;
const PRESIGN_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];

export function createVerifier(opts: VerifierOptions) {
  const byKey = new Map(opts.credentials.map((c) => [c.accessKeyId, c]));
  const scopeOf = (cred: S3Credential, region: string) => ({ key: cred, region, service: 's3', uriEscapePath: false });

  const scope = (credential: string, date: string, bad: (m: string) => Error) => {
    const [accessKeyId = '', scopeDate, region, service, terminator] = credential.split('/');
    const cred = byKey.get(accessKeyId);
    if (!cred) throw s3Errors.unknownAccessKey(accessKeyId);
    if (service !== 's3' || terminator !== 'aws4_request' || !scopeDate || !region)
      throw bad(`Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
    if (region !== opts.region) throw bad(`Error parsing the X-Amz-Credential parameter; the region '${region}' is wrong; expecting '${opts.region}'`);
    if (scopeDate !== date.slice(0, 8)) throw bad(`Error parsing the X-Amz-Credential parameter; incorrect date format. This date in the credential must be in the format "yyyyMMdd".`);
    return { cred, region };
  };

  const signedHeaderValues = (req: ReceivedRequest, names: string[]) => {
    const out: Record<string, string> = {};
    for (const name of names) {
      const v = req.headers[name];
      if (v === undefined) throw s3Errors.signatureMismatch({ MissingSignedHeader: name });
      out[name] = Array.isArray(v) ? v.join(',') : v;
    }
    return out;
  };

  return async function verify(req: ReceivedRequest): Promise<Authenticated> {
    const now = opts.now?.() ?? new Date();
    const q = new Map(req.query);
    if (q.has('X-Amz-Algorithm') || q.has('X-Amz-Signature')) return verifyPresigned(req, q, now);
    const authorization = header(req.headers, 'authorization');
    if (!authorization) throw s3Errors.accessDenied();
    return verifyHeader(req, authorization, now);
  };

  async function verifyHeader(req: ReceivedRequest, authorization: string, now: Date): Promise<Authenticated> {
    if (!authorization.startsWith('AWS4-HMAC-SHA256 ')) throw s3Errors.invalidArgument('Unsupported Authorization Type', 'Authorization', authorization);
    const fields = authorizationFields(authorization);
    const credential = fields.get('Credential');
    const signedHeaders = fields.get('SignedHeaders')?.split(';');
    const signature = fields.get('Signature');
    if (!credential || !signedHeaders || !signature) throw s3Errors.authHeader('The authorization header is malformed; it must name Credential, SignedHeaders and Signature.');
    const amzDate = header(req.headers, 'x-amz-date');
    const date = amzDate ? parseAmzDate(amzDate) : undefined;
    if (!amzDate || !date) throw s3Errors.accessDenied('AWS authentication requires a valid Date or x-amz-date header');
    const { cred, region } = scope(credential, amzDate, s3Errors.authHeader);
    if (Math.abs(date.getTime() - now.getTime()) > MAX_SKEW_MS) throw s3Errors.skewed();
    const payloadHash = header(req.headers, 'x-amz-content-sha256');
    if (!payloadHash) throw s3Errors.invalidRequest('Missing required header for this request: x-amz-content-sha256');
    if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-content-sha256')) throw s3Errors.signatureMismatch();
    const headers = signedHeaderValues(req, signedHeaders);
    const received = { method: req.method, protocol: 'http:' as const, hostname: headers.host ?? '', path: req.rawPath, query: queryObject(req.query), headers };
    if (!(await headerSignatureMatches(scopeOf(cred, region), received, date, signedHeaders, signature))) throw s3Errors.signatureMismatch();
    return { accessKeyId: cred.accessKeyId, payloadHash, presigned: false, signedHeaders };
  }

  async function verifyPresigned(req: ReceivedRequest, q: Map<string, string>, now: Date): Promise<Authenticated> {
    for (const p of PRESIGN_PARAMS) {
      if (!q.get(p))
        throw s3Errors.authQuery(
          `Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.`,
        );
    }
    if (q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') throw s3Errors.authQuery('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
    const amzDate = q.get('X-Amz-Date')!;
    const date = parseAmzDate(amzDate);
    if (!date) throw s3Errors.authQuery(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
    const expiresRaw = q.get('X-Amz-Expires')!;
    const expires = /^\d+$/.test(expiresRaw) ? Number(expiresRaw) : NaN;
    if (!Number.isInteger(expires) || expires < 1) throw s3Errors.authQuery('X-Amz-Expires should be a number');
    if (expires > MAX_PRESIGN_SECONDS) throw s3Errors.authQuery('X-Amz-Expires must be less than a week (in seconds) that is 604800');
    const { cred, region } = scope(q.get('X-Amz-Credential')!, amzDate, s3Errors.authQuery);
    if (date.getTime() > now.getTime() + MAX_SKEW_MS) throw s3Errors.notYetValid();
    const expiresAt = new Date(date.getTime() + expires * 1000);
    if (now.getTime() > expiresAt.getTime()) throw s3Errors.expired(expiresAt.toISOString(), now.toISOString());

    const signedHeaders = q.get('X-Amz-SignedHeaders')!.split(';');
    if (!signedHeaders.includes('host')) throw s3Errors.signatureMismatch();
    const headers = signedHeaderValues(req, signedHeaders);
    const query = queryObject(req.query.filter(([k]) => k !== 'X-Amz-Signature'));
    const received = { method: req.method, protocol: 'http:' as const, hostname: headers.host ?? '', path: req.rawPath, query, headers };
    if (!(await presignedSignatureMatches(scopeOf(cred, region), received, date, expires, signedHeaders, q.get('X-Amz-SignedHeaders')!, q.get('X-Amz-Signature')!))) {
      throw s3Errors.signatureMismatch();
    }
    // A signed `x-amz-content-sha256` header may still claim a payload hash; it is then enforced.
    const claimed = signedHeaders.includes('x-amz-content-sha256') ? header(req.headers, 'x-amz-content-sha256') : undefined;
    return { accessKeyId: cred.accessKeyId, payloadHash: claimed ?? 'UNSIGNED-PAYLOAD', presigned: true, signedHeaders };
  }
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}
