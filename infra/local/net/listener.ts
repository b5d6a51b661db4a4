/**
 * One TCP port for plain HTTP and HTTPS (and so `ws://` and `wss://`): the first byte of each
 * connection decides — 0x16 opens a TLS handshake — and both servers share one request handler and
 * one upgrade handler. This is what lets the unmodified Amplify client, which always dials
 * `wss://<endpoint>/realtime`, talk to an `http://` endpoint.
 */
import { createServer as createNetServer, type Socket } from 'node:net';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';

export interface ListenOptions {
  port: number;
  host: string;
  tls: { key: string; cert: string };
  onRequest(req: IncomingMessage, res: ServerResponse): void;
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface Listener {
  port: number;
  close(): Promise<void>;
}

const TLS_HANDSHAKE = 0x16;
/** A connection that sends nothing for this long is dropped before it reaches either server. */
const FIRST_BYTE_TIMEOUT_MS = 30_000;

export async function listen(opts: ListenOptions): Promise<Listener> {
  const http = createHttpServer(opts.onRequest);
  const https = createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, opts.onRequest);
  for (const s of [http, https]) {
    s.on('upgrade', opts.onUpgrade);
    s.on('clientError', (_e, socket: Duplex) => socket.destroy());
    s.keepAliveTimeout = 5_000;
  }

  const sockets = new Set<Socket>();
  const net = createNetServer({ pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
    socket.once('readable', () => {
      const first = socket.read(1) as Buffer | null;
      if (!first) {
        socket.destroy();
        return;
      }
      socket.setTimeout(0); // from here the HTTP(S) server's own timeouts apply
      socket.unshift(first);
      (first[0] === TLS_HANDSHAKE ? https : http).emit('connection', socket);
      socket.resume();
    });
  });

  await new Promise<void>((resolve, reject) => {
    net.once('error', reject);
    net.listen(opts.port, opts.host, () => {
      net.off('error', reject);
      resolve();
    });
  });
  const address = net.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;

  return {
    port,
    async close() {
      const closed = new Promise<void>((resolve) => net.close(() => resolve()));
      for (const s of sockets) s.destroy();
      http.closeAllConnections();
      https.closeAllConnections();
      await closed;
    },
  };
}
