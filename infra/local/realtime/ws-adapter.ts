/**
 * The `ws` library as the real-time transport: completes HTTP upgrades, negotiates the
 * `graphql-ws` subprotocol and turns a WebSocket into the few calls the protocol core needs.
 * Swapping the socket library means replacing this file only.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { GRAPHQL_WS } from './handshake.ts';

export interface TransportSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
}

export interface TransportHandlers {
  onMessage(text: string, isBinary: boolean): void;
  onClose(): void;
}

export interface WsTransportOptions {
  /** Frames above this close the socket (1009) inside `ws`; keep it above the protocol's own limit. */
  maxPayload: number;
  /** A client that lets this much queue up unread is cut off, so it cannot hold server memory. */
  maxBufferedBytes: number;
  log(line: string): void;
}

export interface WsTransport {
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, attach: (socket: TransportSocket) => TransportHandlers): void;
  close(): Promise<void>;
}

export function createWsTransport(opts: WsTransportOptions): WsTransport {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxPayload,
    // Amplify aborts unless the server picks `graphql-ws`.
    handleProtocols: (protocols) => (protocols.has(GRAPHQL_WS) ? GRAPHQL_WS : false),
  });

  const wrap = (ws: WebSocket): TransportSocket => ({
    send(text) {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > opts.maxBufferedBytes) {
        opts.log(`client not reading (${ws.bufferedAmount} bytes queued); closing its socket`);
        ws.terminate();
        return;
      }
      ws.send(text);
    },
    close(code, reason) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
    },
  });

  return {
    upgrade(req, socket, head, attach) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        const handlers = attach(wrap(ws));
        ws.on('message', (data, isBinary) => {
          const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
          handlers.onMessage(text, isBinary);
        });
        ws.on('error', (e) => opts.log(`socket error: ${e.message}`));
        ws.on('close', () => handlers.onClose());
      });
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
