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
import { guard, harden, limitsOf, serverOptions, trackConnections, type Reply, type ServerLimits } from './harden.ts';

export interface ListenOptions {
  port: number;
  host: string;
  tls: { key: string; cert: string };
  onRequest(req: IncomingMessage, res: ServerResponse): void;
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Timeouts and the connection cap (harden.ts defaults); the cap counts upgraded sockets too. */
  limits?: Partial<ServerLimits>;
  /** How a malformed request or a failed handler is answered (default: AWS JSON). */
  reply?: Reply;
  log?: (line: string) => void;
}

export interface Listener {
  port: number;
  close(): Promise<void>;
}

const TLS_HANDSHAKE = 0x16;

export async function listen(opts: ListenOptions): Promise<Listener> {
  const limits = limitsOf(opts.limits);
  const log = opts.log ?? (() => {});
  const onRequest = guard(opts.onRequest, { log, reply: opts.reply });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      opts.onUpgrade(req, socket, head);
    } catch (e) {
      log(`internal error on upgrade ${String(req.url).slice(0, 200)}: ${(e as Error)?.stack ?? String(e)}`);
      socket.destroy();
    }
  };
  const http = harden(createHttpServer(serverOptions(limits), onRequest), limits);
  // A TLS handshake is held to the header timeout too: both come before any request.
  const https = harden(createHttpsServer({ ...serverOptions(limits), key: opts.tls.key, cert: opts.tls.cert, handshakeTimeout: limits.headersTimeoutMs }, onRequest), limits);
  for (const s of [http, https]) {
    s.on('upgrade', onUpgrade);
    trackConnections(s);
  }

  const sockets = new Set<Socket>();
  // Half-open like node:http's own sockets, so a client that ends its side still gets its answer.
  const net = createNetServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // A connection that sends nothing is dropped before it reaches either server.
    socket.setTimeout(limits.headersTimeoutMs, () => socket.destroy());
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
  // Counted here, where sockets arrive: the HTTP(S) servers never listen themselves.
  net.maxConnections = limits.maxConnections;

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
      for (const s of [http, https]) {
        s.closeAllConnections();
        s.close(); // stops the timeout checks trackConnections started
      }
      await closed;
    },
  };
}
