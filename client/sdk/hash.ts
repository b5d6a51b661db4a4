/**
 * The sha256 the schema asks for: lowercase hex of the content bytes (UTF-8 for TEXT, the decoded
 * bytes for BASE64). WebCrypto, so the same code runs in browsers.
 */
import { decodeBase64 } from '../patch/index.ts';

export type Encoding = 'TEXT' | 'BASE64';

/** The bytes a file's content stands for. */
export function contentBytes(content: string, encoding: Encoding): Uint8Array {
  if (encoding === 'TEXT') return new TextEncoder().encode(content);
  const b = decodeBase64(content);
  if (!b) throw new TypeError('content is not padded base64');
  return b;
}

export async function sha256Hex(data: Uint8Array | string, encoding: Encoding = 'TEXT'): Promise<string> {
  const b = typeof data === 'string' ? contentBytes(data, encoding) : data;
  const digest = await globalThis.crypto.subtle.digest('SHA-256', b as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Bytes of `s` in UTF-8 (what Buffer.byteLength gives in Node), without Buffer. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3; // BMP, or a lone surrogate (encoded as U+FFFD, 3 bytes)
  }
  return n;
}
