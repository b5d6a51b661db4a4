import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../auth/types.ts';
import type { Publisher } from '../realtime/types.ts';
import { executeOperation, type ExecutionDeps } from './execute.ts';
import { prepareRequest } from './request.ts';
import type { AppSyncErrorEntry } from './errors.ts';
import { clientWentAway } from '../net/harden.ts';

/** AppSync's request payload limit (bodies above it are refused before parsing). */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

export interface HttpDeps extends ExecutionDeps {
  authenticator: Authenticator;
  publisher?: Publisher;
  /** Path of the GraphQL endpoint, e.g. `/graphql`. */
  path: string;
}

interface HttpAnswer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'content-type, x-api-key, authorization, x-amz-date, x-amz-security-token, x-amz-user-agent, x-amz-content-sha256',
  'access-control-allow-methods': 'POST, GET, OPTIONS',
  'access-control-max-age': '86400',
};

const failure = (status: number, errorType: string, message: string): HttpAnswer => ({
  status,
  headers: { 'x-amzn-errortype': errorType },
  body: { errors: [{ errorType, message }] },
});

function lowerHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return 'too-large';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Answers one HTTP request to the GraphQL endpoint the way AppSync does. */
export async function answerGraphqlHttp(deps: HttpDeps, req: IncomingMessage): Promise<HttpAnswer> {
  if (!URL.canParse(req.url ?? '/', 'http://local')) return failure(400, 'MalformedHttpRequestException', 'The request target is not a valid URL.');
  const url = new URL(req.url ?? '/', 'http://local');
  if (url.pathname !== deps.path) return failure(404, 'NotFoundException', `No resource at ${url.pathname}`);
  if (req.method === 'OPTIONS') return { status: 200, body: '' };
  if (req.method !== 'POST' && req.method !== 'GET') return failure(405, 'MethodNotAllowedException', `Method ${req.method} is not allowed`);

  let raw: string;
  if (req.method === 'GET') {
    const variables = url.searchParams.get('variables');
    raw = JSON.stringify({
      query: url.searchParams.get('query') ?? undefined,
      operationName: url.searchParams.get('operationName') ?? undefined,
      variables: variables ? safeJson(variables) : undefined,
    });
  } else {
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === 'too-large') {
      // The rest of the body is never read: close the connection rather than reuse it.
      const answer = failure(413, 'PayloadTooLargeException', `Request body exceeds ${MAX_BODY_BYTES} bytes.`);
      return { ...answer, headers: { ...answer.headers, connection: 'close' } };
    }
    raw = body.toString('utf8');
  }
  if (raw.trim() === '') return failure(400, 'MalformedHttpRequestException', 'Request body is empty.');
  const parsed = safeJson(raw);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || typeof (parsed as { query?: unknown }).query !== 'string') {
    return failure(400, 'MalformedHttpRequestException', 'Unable to parse GraphQL query.');
  }
  const headers = lowerHeaders(req);
  const sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
  const auth = await deps.authenticator.authenticate(headers, sourceIp, { method: req.method ?? 'POST', path: url.pathname + url.search, body: raw });
  if (!auth.ok) return failure(auth.status, auth.errorType, auth.message);

  const prepared = prepareRequest(deps.loaded.schema, parsed as { query: string });
  if (!prepared.ok) return { status: 200, body: { data: null, errors: prepared.errors } };
  const { request } = prepared;
  if (request.operation.operation === 'subscription') {
    const errors: AppSyncErrorEntry[] = [
      { path: null, locations: null, errorType: 'UnsupportedOperation', message: 'Subscriptions are served over the real-time WebSocket endpoint (<endpoint>/realtime), not over HTTP.' },
    ];
    return { status: 200, body: { data: null, errors } };
  }
  const outcome = await executeOperation(deps, { ...request, auth, headers });
  for (const event of outcome.events) deps.publisher?.publish(event);
  for (const spec of outcome.invalidations) deps.publisher?.invalidate(spec);
  const body: Record<string, unknown> = { data: outcome.data };
  if (outcome.errors.length) body.errors = outcome.errors;
  return { status: 200, body, ...(Object.keys(outcome.responseHeaders).length ? { headers: outcome.responseHeaders } : {}) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** AppSync's error format for what net/harden.ts refuses or catches on the main port. */
export const appSyncReply = (res: ServerResponse, status: 400 | 500, message: string): void => {
  const answer = status === 400 ? failure(400, 'MalformedHttpRequestException', message) : failure(500, 'InternalFailure', message);
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=UTF-8', ...CORS, ...answer.headers, connection: 'close' });
  res.end(JSON.stringify(answer.body));
};

/** node:http adapter: never lets an exception escape to the server. */
export function graphqlHttpHandler(deps: HttpDeps, log: (l: string) => void = () => {}) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    answerGraphqlHttp(deps, req)
      .catch((e: unknown): HttpAnswer => {
        if (clientWentAway(req)) return failure(400, 'MalformedHttpRequestException', 'The client closed the request before its body arrived.');
        log(`internal error: ${(e as Error).stack ?? String(e)}`);
        return failure(500, 'InternalFailure', 'An internal failure occurred.');
      })
      .then((answer) => {
        const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        res.writeHead(answer.status, { 'content-type': 'application/json; charset=UTF-8', ...CORS, ...answer.headers });
        res.end(text);
      })
      .catch(() => res.destroy());
  };
}
