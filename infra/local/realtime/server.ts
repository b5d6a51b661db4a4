/**
 * The AppSync real-time endpoint: checks each handshake's auth, keeps one protocol `Connection` per
 * socket, and fans published events and invalidations out to them. The socket library sits
 * behind ws-adapter.ts; the protocol itself is connection.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { InvalidationSpec } from '../appsync-js/types.ts';
import type { AuthFailure } from '../auth/types.ts';
import { Connection, DEFAULT_CONNECTION_INIT_TIMEOUT_MS } from './connection.ts';
import { protocolErrors } from './errors.ts';
import { handshakeAuthHeaders } from './handshake.ts';
import { MAX_MESSAGE_BYTES } from './messages.ts';
import type { Publisher, RealtimeEngine, SubscriptionEvent } from './types.ts';
import { createWsTransport } from './ws-adapter.ts';

export interface RealtimeServerOptions {
  engine: RealtimeEngine;
  /** Sent in connection_ack; a client drops the socket when no `ka` arrives within it. Default 300000. */
  connectionTimeoutMs?: number;
  /** How often `ka` is sent after the ack. Default 60000; tests lower it. */
  keepAliveIntervalMs?: number;
  /**
   * A socket that sends no `connection_init` within this is closed (code 4408), as AppSync closes
   * such sockets after a while (AWS documents no interval). Default 30000; tests lower it.
   */
  connectionInitTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface RealtimeServer {
  /** Takes over an HTTP upgrade request for the real-time path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  publisher: Publisher;
  /** Terminates every socket and stops accepting new ones. */
  close(): Promise<void>;
  stats(): { connections: number; subscriptions: number };
}

/** `/graphql/realtime?header=…` → `/graphql`: the endpoint path clients sign for IAM. */
export function graphqlPathOf(url: string): string {
  const path = url.split('?')[0] ?? '/';
  return path.replace(/\/realtime\/?$/, '') || '/';
}

export function createRealtimeServer(opts: RealtimeServerOptions): RealtimeServer {
  const log = opts.log ?? (() => {});
  const connectionTimeoutMs = opts.connectionTimeoutMs ?? 300_000;
  const keepAliveIntervalMs = opts.keepAliveIntervalMs ?? 60_000;
  const connectionInitTimeoutMs = opts.connectionInitTimeoutMs ?? DEFAULT_CONNECTION_INIT_TIMEOUT_MS;
  const connections = new Set<Connection>();
  const transport = createWsTransport({ maxPayload: 4 * MAX_MESSAGE_BYTES, maxBufferedBytes: 64 * 1024 * 1024, log });
  let closed = false;

  const authenticate = async (req: IncomingMessage, sourceIp: string, graphqlPath: string): Promise<{ ok: true } | AuthFailure> => {
    const headers = handshakeAuthHeaders(req);
    const refused = protocolErrors.unauthorized();
    if (!headers) return { ok: false, errorType: refused.errorType, message: refused.message, status: 401 };
    try {
      return await opts.engine.authenticate(headers, sourceIp, { method: 'POST', path: `${graphqlPath}/connect`, body: '{}' });
    } catch (e) {
      log(`handshake: engine failed: ${(e as Error).stack ?? String(e)}`);
      return { ok: false, errorType: 'InternalFailure', message: 'An internal failure occurred.', status: 500 };
    }
  };

  const forEach = (name: string, f: (c: Connection) => void) => {
    for (const c of connections) {
      try {
        f(c);
      } catch (e) {
        log(`${name}: ${(e as Error).stack ?? String(e)}`);
      }
    }
  };

  return {
    handleUpgrade(req, socket, head) {
      if (closed) {
        socket.destroy();
        return;
      }
      const sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
      const graphqlPath = graphqlPathOf(req.url ?? '/');
      socket.on('error', (e) => log(`upgrade socket error: ${e.message}`));
      void authenticate(req, sourceIp, graphqlPath)
        .then((handshake) => {
          if (closed || socket.destroyed) {
            socket.destroy();
            return;
          }
          transport.upgrade(req, socket, head, (ts) => {
            const conn = new Connection({
              engine: opts.engine,
              sourceIp,
              graphqlPath,
              handshake,
              connectionTimeoutMs,
              keepAliveIntervalMs,
              connectionInitTimeoutMs,
              send: (m) => ts.send(JSON.stringify(m)),
              close: (code, reason) => ts.close(code, reason),
              log,
            });
            connections.add(conn);
            return {
              onMessage: (text, isBinary) => conn.receive(text, isBinary),
              onClose: () => {
                conn.dispose();
                connections.delete(conn);
              },
            };
          });
        })
        .catch((e: unknown) => {
          log(`upgrade failed: ${(e as Error).stack ?? String(e)}`);
          socket.destroy();
        });
    },
    publisher: {
      publish(event: SubscriptionEvent) {
        forEach('publish', (c) => c.publish(event));
      },
      invalidate(spec: InvalidationSpec) {
        forEach('invalidate', (c) => c.invalidate(spec));
      },
    },
    async close() {
      closed = true;
      for (const c of connections) c.dispose();
      connections.clear();
      await transport.close();
    },
    stats() {
      let subscriptions = 0;
      for (const c of connections) subscriptions += c.subscriptionCount;
      return { connections: connections.size, subscriptions };
    },
  };
}
