/**
 * CORS as S3 applies a bucket's CORS configuration: preflights are answered without
 * authentication (a browser cannot sign them); actual requests from an allowed origin get the
 * allow/expose headers. The rule mirrors the CDK content bucket's (infra/aws/content-bucket.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { s3Errors } from './errors.ts';

export interface CorsRule {
  /** Exact origins, or `*` for any. */
  allowedOrigins: string[];
  allowedMethods: string[];
  /** Request headers a browser may send; `*` for any. */
  allowedHeaders: string[];
  exposedHeaders: string[];
  maxAgeSeconds: number;
}

export const defaultCorsRule = (allowedOrigins: string[]): CorsRule => ({
  allowedOrigins,
  allowedMethods: ['PUT', 'GET', 'HEAD'],
  allowedHeaders: ['*'],
  exposedHeaders: ['ETag'],
  maxAgeSeconds: 3000,
});

const originAllowed = (rule: CorsRule, origin: string) => rule.allowedOrigins.includes('*') || rule.allowedOrigins.includes(origin);
const allowOriginValue = (rule: CorsRule, origin: string) => (rule.allowedOrigins.includes('*') ? '*' : origin);

/** The preflight's response headers; throws S3's 403 when the rule does not allow it. */
export function preflight(rule: CorsRule | undefined, headers: IncomingHttpHeaders): Record<string, string> {
  const origin = headers.origin;
  const method = headers['access-control-request-method'];
  if (!origin || typeof method !== 'string') throw s3Errors.invalidRequest('Insufficient information. Origin request header needed.');
  const requested = String(headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const headersOk = rule && (rule.allowedHeaders.includes('*') || requested.every((h) => rule.allowedHeaders.map((a) => a.toLowerCase()).includes(h)));
  if (!rule || !originAllowed(rule, origin) || !rule.allowedMethods.includes(method.toUpperCase()) || !headersOk) throw s3Errors.corsForbidden();
  return {
    'access-control-allow-origin': allowOriginValue(rule, origin),
    'access-control-allow-methods': rule.allowedMethods.join(', '),
    ...(requested.length ? { 'access-control-allow-headers': requested.join(', ') } : {}),
    'access-control-expose-headers': rule.exposedHeaders.join(', '),
    'access-control-max-age': String(rule.maxAgeSeconds),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
}

/** Headers added to an actual (non-preflight) response for a browser origin. */
export function corsHeaders(rule: CorsRule | undefined, headers: IncomingHttpHeaders, method: string): Record<string, string> {
  const origin = headers.origin;
  if (!origin || !rule || !originAllowed(rule, origin) || !rule.allowedMethods.includes(method)) return {};
  return {
    'access-control-allow-origin': allowOriginValue(rule, origin),
    'access-control-allow-methods': rule.allowedMethods.join(', '),
    'access-control-expose-headers': rule.exposedHeaders.join(', '),
    'access-control-max-age': String(rule.maxAgeSeconds),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
}
