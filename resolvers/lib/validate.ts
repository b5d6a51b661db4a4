import { util } from '@aws-appsync/utils';
import { invalid, tooLarge } from './errors.ts';
import { DEFAULT_PAGE, MAX_CONTENT_TYPE, MAX_INLINE_BYTES, MAX_INLINE_CHARS, MAX_NAME, MAX_PAGE } from './limits.ts';

// Patterns are strings for util.matches: regex literals are not APPSYNC_JS. None nests a repeated
// group, so long inputs cannot blow a backtracking engine's stack.
const SHA256 = '^[0-9a-f]{64}$';
const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
const CONTENT_TYPE = `^${TOKEN}/${TOKEN}( *; *${TOKEN}=("[^"]*"|${TOKEN}))* *$`;
const BASE64 = '^[A-Za-z0-9+/]*={0,2}$';
const ID = '^[A-Za-z0-9_.:-]{1,128}$';

export function checkName(name: string): void {
  if (name.trim().length === 0) invalid('name', 'must not be blank');
  if (name.length > MAX_NAME) tooLarge('name', MAX_NAME, name.length);
}

export function checkContentType(contentType: string): void {
  if (contentType.length > MAX_CONTENT_TYPE) tooLarge('contentType', MAX_CONTENT_TYPE, contentType.length);
  if (!util.matches(CONTENT_TYPE, contentType)) invalid('contentType', 'must be type/subtype with optional ;key=value parameters');
}

export function checkSha256(sha256: string): void {
  if (!util.matches(SHA256, sha256)) invalid('sha256', 'must be 64 lowercase hex digits');
}

/** Ids and request ids: what fits a key and a log line. */
export function checkId(field: string, id: string): void {
  if (!util.matches(ID, id)) invalid(field, 'must be 1..128 of A-Z a-z 0-9 _ . : -');
}

/** Size in bytes and length in patch units of inline content, refusing what is over the limit. */
export function measureContent(encoding: string, content: string): { size: number; length: number } {
  if (encoding === 'BASE64') {
    if (content.length % 4 !== 0 || !util.matches(BASE64, content)) invalid('content', 'must be padded base64 for a BASE64 file');
    const pad = content.endsWith('==') ? 2 : content.endsWith('=') ? 1 : 0;
    const bytes = (content.length / 4) * 3 - pad;
    if (bytes > MAX_INLINE_BYTES) tooLarge('content', MAX_INLINE_BYTES, bytes);
    return { size: bytes, length: bytes };
  }
  if (content.length > MAX_INLINE_CHARS) tooLarge('content', MAX_INLINE_CHARS, content.length);
  return { size: utf8Bytes(content), length: content.length };
}

/** UTF-8 byte count; base64 of the UTF-8 encoding is the one native route to it in APPSYNC_JS. */
export function utf8Bytes(text: string): number {
  const b64 = util.base64Encode(text);
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return (b64.length / 4) * 3 - pad;
}

/** A page size: default when absent, 1..MAX_PAGE otherwise. */
export function pageLimit(limit: number | null | undefined): number {
  if (limit === null || limit === undefined) return DEFAULT_PAGE;
  if (limit < 1) invalid('limit', 'must be at least 1');
  if (limit > MAX_PAGE) tooLarge('limit', MAX_PAGE, limit);
  return limit;
}
