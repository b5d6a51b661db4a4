/**
 * EventBridge's PutEvents over its real wire protocol (AWS JSON 1.1, `X-Amz-Target:
 * AWSEvents.PutEvents`, SigV4 with signing name `events`) on a loopback port, so a Lambda handler's
 * unmodified `EventBridgeClient` reaches the local bus: the runtime gives handlers
 * `AWS_ENDPOINT_URL_EVENTBRIDGE`, as it gives them `AWS_ENDPOINT_URL_S3`. Only PutEvents is served;
 * rules come from the API definition, not from PutRule calls.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { iamVerifier } from '../auth/iam.ts';
import { createHardenedServer, type ServerLimits } from '../net/harden.ts';
import { EventBridgeError, type PutEventsEntry, type PutEventsResult } from './event-bus.ts';

export interface EventsServerOptions {
  /** What accepts the entries: the runtime's LocalEventBus (tests may pass another). */
  bus: { putEvents(entries: PutEventsEntry[]): Promise<PutEventsResult> };
  /** Access keys whose SigV4 signatures are accepted. */
  credentials: Array<{ accessKeyId: string; secretAccessKey: string }>;
  region: string;
  port?: number;
  host?: string;
  /** Timeouts and the connection cap (net/harden.ts defaults). */
  limits?: Partial<ServerLimits>;
  log?: (line: string) => void;
}

export interface EventsServer {
  endpoint: string;
  stop(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

export async function startEventsServer(opts: EventsServerOptions): Promise<EventsServer> {
  const verify = iamVerifier({
    credentials: opts.credentials.map((c) => ({ ...c, accountId: '000000000000', userArn: 'arn:aws:iam::000000000000:role/local-lambda' })),
    region: opts.region,
    service: 'events',
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
    const target = headers['x-amz-target'];
    if (target !== 'AWSEvents.PutEvents') return fail(400, 'UnknownOperationException', `Operation ${target ?? '(none)'} is not served by the local EventBridge.`);
    let input: { Entries?: unknown };
    try {
      input = JSON.parse(body) as { Entries?: unknown };
    } catch {
      return fail(400, 'SerializationException', 'The request body is not JSON.');
    }
    if (!Array.isArray(input.Entries)) return fail(400, 'ValidationException', "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
    const entries = (input.Entries as Array<Record<string, unknown>>).map((e): PutEventsEntry => ({
      Source: typeof e.Source === 'string' ? e.Source : undefined,
      DetailType: typeof e.DetailType === 'string' ? e.DetailType : undefined,
      Detail: typeof e.Detail === 'string' ? e.Detail : undefined,
      Resources: Array.isArray(e.Resources) ? e.Resources.map(String) : undefined,
      // The JSON protocol sends timestamps as epoch seconds.
      Time: typeof e.Time === 'number' ? new Date(e.Time * 1000) : typeof e.Time === 'string' ? e.Time : undefined,
      EventBusName: typeof e.EventBusName === 'string' ? busKey(e.EventBusName) : undefined,
    }));
    try {
      send(res, 200, await opts.bus.putEvents(entries), requestId);
    } catch (e) {
      if (e instanceof EventBridgeError) return fail(400, e.name, e.message);
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

/** A bus ARN names the bus after `event-bus/`. */
const busKey = (nameOrArn: string) => (nameOrArn.startsWith('arn:') ? nameOrArn.slice(nameOrArn.indexOf(':event-bus/') + ':event-bus/'.length) : nameOrArn);

function send(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': requestId });
  res.end(text);
}
