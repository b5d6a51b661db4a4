import type { DataSource, DataSourceResponse } from '../appsync-js/types.ts';
import { isObject, MalformedRequest } from './request-shape.ts';

/**
 * HTTP: the request `{ method, resourcePath, params: { query, headers, body } }` is sent to the data
 * source's endpoint + resourcePath; `ctx.result` is `{ statusCode, headers, body }` (body as text),
 * whatever the status. Locally only loopback endpoints are called (the runtime talks to nothing
 * beyond the machine): any other endpoint fails every call saying so, and
 * `RuntimeOptions.httpEndpoints` points a data source at a local stand-in. Redirects are returned,
 * not followed, so a call cannot leave loopback.
 */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

/** Request headers the HTTP client sets itself (AppSync refuses them in `params.headers`). */
const FORBIDDEN_HEADERS = ['host', 'connection', 'content-length', 'transfer-encoding', 'expect', 'keep-alive', 'upgrade', 'te', 'trailer'];

export interface HttpDataSourceOptions {
  name: string;
  endpoint: string;
  /** AppSync gives up on a data source after 30 s. */
  timeoutMs?: number;
}

/** An endpoint the local runtime may call: http(s) to 127.0.0.0/8, ::1 or localhost. */
export function loopbackEndpoint(endpoint: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ? url : undefined;
}

export function createHttpDataSource(opts: HttpDataSourceOptions): DataSource {
  const base = loopbackEndpoint(opts.endpoint);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return {
    name: opts.name,
    kind: 'HTTP',
    async invoke(request): Promise<DataSourceResponse> {
      if (!base) {
        return {
          error: {
            type: 'HTTP:EndpointNotLocal',
            message: `HTTP data source "${opts.name}": the local runtime calls loopback endpoints only, not ${opts.endpoint}; point it at a local stand-in (httpEndpoints of startRuntime, --http-endpoint ${opts.name}=http://127.0.0.1:PORT)`,
          },
        };
      }
      let call: { url: string; init: RequestInit };
      try {
        call = toFetch(base, request);
      } catch (e) {
        if (e instanceof MalformedRequest) return { error: { message: e.message, type: e.type } };
        throw e;
      }
      try {
        const res = await fetch(call.url, { ...call.init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
        const headers: Record<string, string> = {};
        res.headers.forEach((v, k) => (headers[k] = v));
        return { result: { statusCode: res.status, headers, body: await res.text() } };
      } catch (e) {
        const err = e as Error & { cause?: { code?: string } };
        const timedOut = err.name === 'TimeoutError';
        return {
          error: {
            type: timedOut ? 'HTTP:Timeout' : 'HTTP:ConnectionFailed',
            message: timedOut ? `HTTP data source "${opts.name}": no answer within ${timeoutMs} ms` : `HTTP data source "${opts.name}": ${err.cause?.code ?? err.message}`,
          },
        };
      }
    },
  };
}

function toFetch(base: URL, request: unknown): { url: string; init: RequestInit } {
  if (!isObject(request)) throw new MalformedRequest('Expected JSON object for the HTTP request.');
  const method = request.method;
  if (typeof method !== 'string' || !(HTTP_METHODS as readonly string[]).includes(method)) {
    throw new MalformedRequest(`Unsupported HTTP method ${JSON.stringify(method)}: one of ${HTTP_METHODS.join(', ')}.`);
  }
  const resourcePath = request.resourcePath;
  if (typeof resourcePath !== 'string' || !resourcePath.startsWith('/')) throw new MalformedRequest(`Expected a resourcePath starting with '/', found ${JSON.stringify(resourcePath)}.`);
  const params = request.params ?? {};
  if (!isObject(params)) throw new MalformedRequest("Expected JSON object for field '$[params]'.");

  const url = new URL(base.href.replace(/\/$/, '') + resourcePath);
  const query = params.query ?? {};
  if (!isObject(query)) throw new MalformedRequest("Expected JSON object for field '$[params][query]'.");
  for (const [k, v] of Object.entries(query)) {
    for (const one of Array.isArray(v) ? v : [v]) {
      if (one === null || one === undefined || typeof one === 'object') throw new MalformedRequest(`Expected a string (or a list of strings) for field '$[params][query][${k}]'.`);
      url.searchParams.append(k, String(one));
    }
  }

  const headers = new Headers();
  const given = params.headers ?? {};
  if (!isObject(given)) throw new MalformedRequest("Expected JSON object for field '$[params][headers]'.");
  for (const [k, v] of Object.entries(given)) {
    if (typeof v !== 'string') throw new MalformedRequest(`Expected string for field '$[params][headers][${k}]'.`);
    if (FORBIDDEN_HEADERS.includes(k.toLowerCase())) throw new MalformedRequest(`The header '${k}' cannot be set in an HTTP request.`);
    try {
      headers.set(k, v);
    } catch {
      throw new MalformedRequest(`Invalid header '${k}'.`);
    }
  }

  let body: string | undefined;
  if (params.body !== undefined && params.body !== null) {
    if (method === 'GET') throw new MalformedRequest('A GET request has no body.');
    // A string is sent as it is; any other value as its JSON.
    body = typeof params.body === 'string' ? params.body : JSON.stringify(params.body);
    if (!headers.has('content-type') && typeof params.body !== 'string') headers.set('content-type', 'application/json');
  }
  return { url: url.href, init: { method, headers, body } };
}
