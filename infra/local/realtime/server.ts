/**
 * The AppSync real-time endpoint over `ws`: the handshake (subprotocols `graphql-ws` and
 * `header-<base64url auth>`, or the older `?header=&payload=` query), keep-alive, and fan-out of
 * published events to every connection. The protocol itself lives in connection.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { InvalidationSpec } from '../appsync-js/types.ts';
import { Connection } from './connection.ts';
import type { ServerMessage } from './messages.ts';
import type { Publisher, RealtimeEngine, SubscriptionEvent } from './types.ts';

export interface RealtimeServerOptions {
  engine: RealtimeEngine;
  /** Sent in connection_ack; clients drop the socket when no ka arrives within it. */
  connectionTimeoutMs?: number;
  keepAliveIntervalMs?: number;
  log?: (line: string) => void;
}

export interface RealtimeServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  publisher: Publisher;
  close(): Promise<void>;
  stats(): { connections: number; subscriptions: number };
}

/** Largest frame a client may send (a start carries a query and its variables). */
const MAX_CLIENT_FRAME_BYTES = 1024 * 1024;

function decodeBase64Json(text: string): Record<string, string> | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64').toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}

/** The handshake's auth headers: the `header-` subprotocol first, then the `?header=` query. */
export function handshakeAuth(req: IncomingMessage): Record<string, string> | undefined {
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const header = protocols.find((p) => p.startsWith('header-'));
  if (header) return decodeBase64Json(header.slice('header-'.length));
  const q = new URL(req.url ?? '/', 'http://local').searchParams.get('header');
  return q ? decodeBase64Json(q) : undefined;
}

export function createRealtimeServer(opts: RealtimeServerOptions): RealtimeServer {
  const log = opts.log ?? (() => {});
  const connectionTimeoutMs = opts.connectionTimeoutMs ?? 300_000;
  const keepAliveIntervalMs = opts.keepAliveIntervalMs ?? 60_000;
  const connections = new Set<Connection>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_FRAME_BYTES,
    handleProtocols: (protocols) => (protocols.has('graphql-ws') ? 'graphql-ws' : false),
  });

  const accept = (ws: WebSocket, req: IncomingMessage, auth: { ok: true } | { ok: false; errorType: string; message: string; status: number }) => {
    const send = (m: ServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
    };
    if (!auth.ok) {
      // AppSync answers the connection_init of an unauthorized socket with connection_error, then closes.
      ws.once('message', () => {
        send({ type: 'connection_error', payload: { errors: [{ errorType: auth.errorType, message: auth.message, errorCode: auth.status }] } });
        ws.close(1000, 'unauthorized');
      });
      setTimeout(() => ws.close(1000, 'unauthorized'), 15_000).unref();
      return;
    }
    const conn = new Connection({
      engine: opts.engine,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      connectionTimeoutMs,
      send,
      close: (code, reason) => ws.close(code, reason),
      log,
    });
    connections.add(conn);
    const ka = setInterval(() => send({ type: 'ka' }), keepAliveIntervalMs);
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        send({ type: 'error', payload: { errors: [{ errorType: 'BadRequestException', message: 'Binary frames are not supported.' }] } });
        return;
      }
      conn.receive(data.toString());
    });
    ws.on('error', (e) => log(`socket error: ${e.message}`));
    ws.on('close', () => {
      clearInterval(ka);
      connections.delete(conn);
    });
  };

  return {
    handleUpgrade(req, socket, head) {
      const headers = handshakeAuth(req);
      const sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
      const authorizing = headers
        ? opts.engine.authenticate(headers, sourceIp)
        : Promise.resolve({ ok: false as const, errorType: 'UnauthorizedException', message: 'Valid authorization header not provided.', status: 401 });
      authorizing
        .catch((e: unknown) => ({ ok: false as const, errorType: 'InternalFailure', message: (e as Error).message, status: 500 }))
        .then((auth) => wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req, auth)))
        .catch(() => socket.destroy());
    },
    publisher: {
      publish(event: SubscriptionEvent) {
        for (const c of connections) c.publish(event);
      },
      invalidate(spec: InvalidationSpec) {
        for (const c of connections) c.invalidate(spec);
      },
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      connections.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
    stats() {
      let subscriptions = 0;
      for (const c of connections) subscriptions += c.subscriptionCount;
      return { connections: connections.size, subscriptions };
    },
  };
}
