/**
 * The auth headers of a real-time handshake: Amplify ≥ 6.6 sends them base64url-encoded in a
 * `header-<…>` subprotocol next to `graphql-ws`; older clients send `?header=<base64>&payload=e30=`.
 */

export const GRAPHQL_WS = 'graphql-ws';

export interface HandshakeRequest {
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}

function decodeHeaders(encoded: string): Record<string, string> | undefined {
  try {
    // Node's base64 decoder reads both the standard and the URL-safe alphabet.
    const parsed = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
    return out;
  } catch {
    return undefined;
  }
}

/** The requested subprotocols, in order. */
export function requestedProtocols(req: HandshakeRequest): string[] {
  const raw = req.headers['sec-websocket-protocol'];
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  return text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** The `header` query parameter, read raw: an unencoded base64 `+` must not turn into a space. */
function headerQueryParam(url: string): string | undefined {
  const query = url.split('?')[1];
  if (!query) return undefined;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === 'header') {
      try {
        return decodeURIComponent(part.slice(eq + 1));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The handshake's auth headers: the `header-` subprotocol first, then `?header=`; undefined if none decode. */
export function handshakeAuthHeaders(req: HandshakeRequest): Record<string, string> | undefined {
  const fromProtocol = requestedProtocols(req).find((p) => p.startsWith('header-'));
  if (fromProtocol) return decodeHeaders(fromProtocol.slice('header-'.length));
  const fromQuery = headerQueryParam(req.url ?? '');
  return fromQuery ? decodeHeaders(fromQuery) : undefined;
}
