/**
 * Serves a built browser app (client/web) from the runtime's own port under `/app/`, with the
 * runtime's Amplify configuration as `/app/config.json`; `GET /` redirects there. The app is then
 * on the same origin as the GraphQL endpoint, and opened over https:// it dials wss:// with the
 * certificate the user just accepted. Requests outside these paths are not its business (false).
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { extname, join, resolve, sep } from 'node:path';

export const WEB_APP_PATH = '/app/';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * `config()` is the Amplify configuration as written to amplify-config.json; a page loaded over
 * https:// gets the GraphQL endpoint on https:// too (same port), so it never mixes schemes.
 */
export function webAppHandler(dir: string, config: () => Record<string, unknown>): (req: IncomingMessage, res: ServerResponse) => boolean {
  const root = resolve(dir);
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (!URL.canParse(req.url ?? '/', 'http://local')) return false; // the GraphQL handler answers it
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname === '/' || url.pathname === '/app') {
      res.writeHead(302, { location: WEB_APP_PATH }).end();
      return true;
    }
    if (!url.pathname.startsWith(WEB_APP_PATH)) return false;
    const rel = decodePath(url.pathname.slice(WEB_APP_PATH.length));
    if (rel === undefined) {
      send(res, 400, 'text/plain', 'malformed percent-encoding in the path');
      return true;
    }
    if (rel === 'config.json') {
      const tls = (req.socket as TLSSocket).encrypted === true;
      send(res, 200, TYPES['.map']!, JSON.stringify(tls ? onHttps(config()) : config()));
      return true;
    }
    const file = resolve(root, rel);
    if (!file.startsWith(root + sep)) {
      send(res, 404, 'text/plain', 'not found');
      return true;
    }
    readFile(join(file)).then(
      (body) => send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', body),
      () => send(res, 404, 'text/plain', 'not found'),
    );
    return true;
  };
}

/** The path below `/app/` decoded, `index.html` for none; undefined when its escapes are broken. */
function decodePath(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw) || 'index.html';
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).end(body);
}

function onHttps(config: Record<string, unknown>): Record<string, unknown> {
  const api = config.API as { GraphQL?: { endpoint?: string } } | undefined;
  const endpoint = api?.GraphQL?.endpoint;
  if (!endpoint?.startsWith('http://')) return config;
  return { ...config, API: { ...api, GraphQL: { ...api!.GraphQL, endpoint: `https://${endpoint.slice('http://'.length)}` } } };
}
