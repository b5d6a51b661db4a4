/**
 * Raw TCP / TLS clients for tests of hostile input: bytes no HTTP library would send, headers
 * trickled in slowly, many idle connections. Loopback only, every wait bounded.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface RawAnswer {
  /** Everything the server sent before closing. */
  text: string;
  /** The status of the first response line, if any. */
  status?: number;
  /** 'server': the server closed (or reset) the socket; 'timeout': we gave up waiting. */
  closedBy: 'server' | 'timeout';
}

export interface RawOptions {
  host?: string;
  /** Speak TLS (with this CA) instead of plain TCP. */
  tls?: { ca: string };
  /** Half-close after writing (default true), so the server answers and closes. */
  end?: boolean;
  timeoutMs?: number;
}

function open(port: number, opts: RawOptions): Socket {
  const host = opts.host ?? '127.0.0.1';
  return opts.tls ? tlsConnect({ port, host, ca: opts.tls.ca, servername: 'localhost' }) : netConnect(port, host);
}

/** Sends `data` on a fresh connection and collects the answer until the server closes. */
export function rawRequest(port: number, data: string | Buffer, opts: RawOptions = {}): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = open(port, opts);
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closedBy: RawAnswer['closedBy']) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : undefined, closedBy });
    };
    const timer = setTimeout(() => finish('timeout'), opts.timeoutMs ?? 10_000);
    socket.once(opts.tls ? 'secureConnect' : 'connect', () => {
      socket.write(data);
      if (opts.end !== false) socket.end();
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => finish('server'));
    socket.on('close', () => finish('server'));
  });
}

/**
 * Opens a request and sends one more header every `intervalMs`, never finishing the headers.
 * Resolves with how many headers went out once the server closes the socket, or `closed: false`
 * when it is still open after `maxMs`.
 */
export function trickleHeaders(port: number, opts: RawOptions & { intervalMs: number; maxMs: number; path?: string }): Promise<{ closed: boolean; headersSent: number; text: string }> {
  return new Promise((resolve) => {
    const socket = open(port, opts);
    let sent = 0;
    let text = '';
    let done = false;
    let tick: ReturnType<typeof setInterval> | undefined;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearInterval(tick);
      clearTimeout(limit);
      socket.destroy();
      resolve({ closed, headersSent: sent, text });
    };
    const limit = setTimeout(() => finish(false), opts.maxMs);
    socket.once(opts.tls ? 'secureConnect' : 'connect', () => {
      socket.write(`GET ${opts.path ?? '/'} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
      tick = setInterval(() => {
        if (socket.writable) socket.write(`X-Slow-${sent++}: ${'a'.repeat(8)}\r\n`);
      }, opts.intervalMs);
    });
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
  });
}

/** Resolves true once the server closes `socket`, false if it is still open after `maxMs`. */
export function closedWithin(socket: Socket, maxMs: number): Promise<boolean> {
  if (socket.destroyed || socket.readyState === 'closed') return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), maxMs);
    socket.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** A connected socket that sends nothing (errors are kept quiet: the server may reset it). */
export function idleSocket(port: number, host = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, host);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
    s.on('error', () => {});
  });
}
