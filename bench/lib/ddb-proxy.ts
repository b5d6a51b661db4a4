/**
 * A loopback HTTP proxy in front of DynamoDB Local that records every request's X-Amz-Target and JSON
 * body as it crosses the wire, then forwards it unchanged.
 *
 * The runtime has no option to take its DynamoDB endpoint from outside (infra/local/runtime.ts starts
 * DynamoDB Local itself and builds the one client every data source uses), so `routeThrough` points that
 * client's requests at the proxy with one middleware step, after signing. Everything the resolvers send
 * DynamoDB passes here; the stream handlers' own clients (Lambda code, AWS_ENDPOINT_URL_DYNAMODB) do not.
 */
import { createServer, request as httpRequest, Agent, type Server } from 'node:http';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface Recorded {
  target: string;
  body: Record<string, unknown>;
  bytes: number;
}

export interface DdbProxy {
  port: number;
  /** Requests recorded since the last `take()`. */
  take(): Recorded[];
  close(): Promise<void>;
}

export async function startDdbProxy(upstream: string): Promise<DdbProxy> {
  const to = new URL(upstream);
  if (to.hostname !== '127.0.0.1' && to.hostname !== 'localhost') throw new Error(`the proxy forwards to loopback only, not ${to.hostname}`);
  const agent = new Agent({ keepAlive: true });
  let recorded: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      try {
        recorded.push({ target, body: raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {}, bytes: raw.length });
      } catch {
        recorded.push({ target, body: {}, bytes: raw.length });
      }
      const out = httpRequest({ host: to.hostname, port: Number(to.port), method: req.method, path: req.url, headers: req.headers, agent }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      out.on('error', (e) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`proxy: ${e.message}`);
      });
      out.end(raw);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    take() {
      const out = recorded;
      recorded = [];
      return out;
    },
    close: () =>
      new Promise<void>((r) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Sends every later request of `client` to the proxy on `port` (host header and signature unchanged). */
export function routeThrough(client: DynamoDBClient, port: number): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { hostname?: string; port?: number };
      req.hostname = '127.0.0.1';
      req.port = port;
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'benchDdbProxy' },
  );
}
