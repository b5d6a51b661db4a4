/**
 * An AWS service endpoint of the AWS JSON 1.1 protocol on a loopback port (`X-Amz-Target:
 * <prefix>.<Operation>`, SigV4 with the service's signing name), for the few operations a local
 * stand-in serves: handlers' unmodified SDK clients reach it through `AWS_ENDPOINT_URL_<SERVICE>`.
 * A request for another operation answers UnknownOperationException; a thrown AwsJsonError its
 * own type, anything else a logged 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { iamVerifier } from '../auth/iam.ts';
import { createHardenedServer, type ServerLimits } from '../net/harden.ts';

export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface AwsJsonServerOptions {
  /** SigV4 signing name (`events`, `secretsmanager`). */
  service: string;
  /** What the service calls itself in messages (`EventBridge`). */
  title: string;
  /** Operations by `X-Amz-Target`; each gets the parsed JSON body. */
  operations: Record<string, (input: Record<string, unknown>) => unknown>;
  /** Access keys whose SigV4 signatures are accepted. */
  credentials: Array<{ accessKeyId: string; secretAccessKey: string }>;
  region: string;
  port?: number;
  host?: string;
  /** Timeouts and the connection cap (net/harden.ts defaults). */
  limits?: Partial<ServerLimits>;
  log?: (line: string) => void;
}

export interface AwsJsonServer {
  endpoint: string;
  stop(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

export async function startAwsJsonServer(opts: AwsJsonServerOptions): Promise<AwsJsonServer> {
  const verify = iamVerifier({
    credentials: opts.credentials.map((c) => ({ ...c, accountId: '000000000000', userArn: 'arn:aws:iam::000000000000:role/local-lambda' })),
    region: opts.region,
    service: opts.service,
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const fail = (status: number, type: string, message: string) => send(res, status, { __type: type, message }, requestId);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_BODY) return fail(413, 'RequestEntityTooLarge', 'Request body too large.');
      chunks.push(c);
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
    if (req.method !== 'POST') return fail(405, 'UnknownOperationException', 'Only POST is supported.');
    const auth = await verify(headers, req.socket.remoteAddress ?? '127.0.0.1', { method: 'POST', path: req.url ?? '/', body });
    if (!auth.ok) return fail(400, auth.errorType, auth.message);
    const target = headers['x-amz-target'] ?? '';
    const operation = Object.hasOwn(opts.operations, target) ? opts.operations[target] : undefined;
    if (!operation) return fail(400, 'UnknownOperationException', `Operation ${target || '(none)'} is not served by the local ${opts.title}.`);
    let input: unknown;
    try {
      input = JSON.parse(body);
    } catch {
      return fail(400, 'SerializationException', 'The request body is not JSON.');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return fail(400, 'SerializationException', 'The request body is not a JSON object.');
    try {
      send(res, 200, await operation(input as Record<string, unknown>), requestId);
    } catch (e) {
      if (e instanceof AwsJsonError) return fail(e.status, e.type, e.message);
      opts.log?.(`internal error: ${(e as Error).stack ?? String(e)}`);
      fail(500, 'InternalException', 'Internal error.');
    }
  };

  // A throw or rejection of `handle` answers 500 and is logged (net/harden.ts).
  const server = createHardenedServer(handle, { limits: opts.limits, log: opts.log ?? (() => {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  return {
    endpoint: `http://${address}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': requestId });
  res.end(text);
}
