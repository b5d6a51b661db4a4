/** UTF-8, base64 and URL encodings in plain ECMAScript (the sandbox has no Buffer or TextEncoder). */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function utf8Bytes(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

export function utf8Decode(bytes: number[]): string {
  let s = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    let c: number;
    let n: number;
    if (b < 0x80) {
      c = b;
      n = 1;
    } else if (b >= 0xf0) {
      c = b & 7;
      n = 4;
    } else if (b >= 0xe0) {
      c = b & 15;
      n = 3;
    } else if (b >= 0xc0) {
      c = b & 31;
      n = 2;
    } else {
      c = 0xfffd;
      n = 1;
    }
    for (let k = 1; k < n; k += 1) c = (c << 6) | ((bytes[i + k] ?? 0) & 63);
    s += String.fromCodePoint(c);
    i += n;
  }
  return s;
}

export function base64Encode(s: string): string {
  const b = utf8Bytes(String(s));
  let out = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = ((b[i] ?? 0) << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    out += i + 1 < b.length ? B64[(n >> 6) & 63]! : '=';
    out += i + 2 < b.length ? B64[n & 63]! : '=';
  }
  return out;
}

export function base64Decode(s: string): string {
  const clean = String(s).replace(/[^A-Za-z0-9+/]/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < clean.length; i += 4) {
    const q = [0, 1, 2, 3].map((k) => B64.indexOf(clean[i + k] ?? 'A'));
    const n = (q[0]! << 18) | (q[1]! << 12) | (q[2]! << 6) | q[3]!;
    bytes.push((n >> 16) & 255);
    if (i + 2 < clean.length) bytes.push((n >> 8) & 255);
    if (i + 3 < clean.length) bytes.push(n & 255);
  }
  return utf8Decode(bytes);
}

/** application/x-www-form-urlencoded, as Java's URLEncoder (space becomes '+'). */
export function urlEncode(s: string): string {
  return encodeURIComponent(String(s))
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

export function urlDecode(s: string): string {
  return decodeURIComponent(String(s).replace(/\+/g, ' '));
}

/** Escapes a string for a JavaScript string literal (as Apache Commons escapeEcmaScript). */
export function escapeJavaScript(s: string): string {
  return String(s).replace(/[\\'"/\b\f\n\r\t\u0000-\u001f\u007f-\uffff]/g, (c) => {
    switch (c) {
      case '\\':
        return '\\\\';
      case "'":
        return "\\'";
      case '"':
        return '\\"';
      case '/':
        return '\\/';
      case '\b':
        return '\\b';
      case '\f':
        return '\\f';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    }
  });
}
