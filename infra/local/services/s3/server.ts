/**
 * A local S3 endpoint for the subset the product uses, path-style on its own port. Every request
 * but a CORS preflight must carry a valid SigV4 signature (header or presigned) from a known
 * credential; bodies are checked against what was signed before anything is stored. Objects live
 * under `<dataDir>` (see store.ts and multipart.ts).
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { corsHeaders, defaultCorsRule, preflight, type CorsRule } from './cors.ts';
import { S3Error, s3Errors } from './errors.ts';
import { MultipartUploads } from './multipart.ts';
import { runOperation, type OpResult } from './operations.ts';
import { route, type Route } from './router.ts';
import { createVerifier, type S3Credential } from './sigv4.ts';
import { ObjectStore } from './store.ts';
import { errorDocument } from './xml.ts';
import { clientWentAway, createHardenedServer, type Reply, type ServerLimits } from '../../net/harden.ts';

export interface S3ServerOptions {
  dataDir: string;
  /** Bucket names (local names equal the declared keys) and their browser origins. */
  buckets: Record<string, { corsAllowedOrigins?: string[] }>;
  credentials: S3Credential[];
  region: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** The clock signatures are checked against (tests). */
  now?: () => Date;
  /** Timeouts and the connection cap (net/harden.ts defaults). */
  limits?: Partial<ServerLimits>;
  log?: (line: string) => void;
}

export interface LocalS3 {
  endpoint: string;
  port: number;
  store: ObjectStore;
  stop(): Promise<void>;
}

export async function startS3Server(opts: S3ServerOptions): Promise<LocalS3> {
  const names = Object.keys(opts.buckets);
  const store = new ObjectStore(opts.dataDir, names);
  const uploads = new MultipartUploads(opts.dataDir, store);
  const verify = createVerifier({ credentials: opts.credentials, region: opts.region, now: opts.now });
  // Locally any origin may upload unless the declaration names origins (dev servers move ports).
  const cors = new Map<string, CorsRule>(names.map((b) => [b, defaultCorsRule(opts.buckets[b]?.corsAllowedOrigins ?? ['*'])]));

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    let r: Route | undefined;
    let extra: Record<string, string> = {};
    try {
      r = route(req.method ?? 'GET', req.url ?? '/', req.headers['x-amz-copy-source'] !== undefined);
      if (!cors.has(r.bucket)) throw s3Errors.noSuchBucket(r.bucket);
      if (r.operation === 'Preflight') {
        send(res, req, { status: 200, headers: preflight(cors.get(r.bucket), req.headers) }, requestId);
        return;
      }
      extra = corsHeaders(cors.get(r.bucket), req.headers, req.method ?? 'GET');
      const auth = await verify({ method: req.method ?? 'GET', rawPath: r.rawPath, query: r.query, headers: req.headers });
      const result = await runOperation({ req, route: r, auth, store, uploads });
      send(res, req, { ...result, headers: { ...result.headers, ...extra } }, requestId);
    } catch (e) {
      const err = e instanceof S3Error ? e : s3Errors.internal();
      if (!(e instanceof S3Error) && !clientWentAway(req)) opts.log?.(`internal error: ${(e as Error).stack ?? String(e)}`);
      // An unread request body would otherwise stall the response on some clients.
      if (!req.readableEnded) req.resume();
      const resource = r ? `/${r.bucket}${r.key ? `/${r.key}` : ''}` : (req.url ?? '/');
      const body = req.method === 'HEAD' ? undefined : errorDocument(err, resource, requestId);
      send(res, req, { status: err.status, headers: { 'content-type': 'application/xml', ...extra }, body }, requestId);
    }
  };

  // `handle` answers its own errors; the guard answers a target no URL parser reads, and anything that escapes.
  const server = createHardenedServer(handle, { limits: opts.limits, log: opts.log ?? (() => {}), reply: s3Reply });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  return {
    endpoint,
    port,
    store,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** S3's XML error document for what net/harden.ts refuses or catches. */
const s3Reply: Reply = (res, status, message) => {
  const err = status === 400 ? new S3Error('InvalidURI', 400, message) : s3Errors.internal();
  const body = errorDocument(err, '/', randomBytes(8).toString('hex').toUpperCase());
  res.writeHead(err.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
};

function send(res: ServerResponse, req: IncomingMessage, result: OpResult, requestId: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = { 'x-amz-request-id': requestId, server: 'local-s3', ...result.headers };
  const body = result.body;
  if (body === undefined || typeof body === 'string') {
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    else if (!headers['content-length']) headers['content-length'] = '0';
    res.writeHead(result.status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  res.writeHead(result.status, headers);
  const stream = createReadStream(body.file, { start: body.start, end: body.end });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
