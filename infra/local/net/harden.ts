/**
 * What every HTTP server of the local stack shares against hostile input (README "Hardening"):
 * - a request target that does not parse as a URL gets 400 before any handler sees it;
 * - a handler that throws or rejects answers 500 and is logged, and the server keeps serving;
 * - a request the HTTP parser refuses (`clientError`) gets 400 (408 on a timeout, 431 on huge
 *   headers) and its socket is closed;
 * - headers, whole requests, idle sockets and the number of connections are bounded (ServerLimits).
 * And, for the stack's entry only, a process-level last resort that logs what nothing else caught.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export interface ServerLimits {
  /** The request line and every header must have arrived within this (slow-header clients are cut off). */
  headersTimeoutMs: number;
  /** A whole request, body included, must have arrived within this. */
  requestTimeoutMs: number;
  /** A kept-alive connection with no request in flight is closed after this. */
  keepAliveTimeoutMs: number;
  /** A socket on which nothing at all moves for this long is closed (above the 30 s resolver limit). */
  idleTimeoutMs: number;
  /** Connections one server holds at once; further ones are closed as they arrive. */
  maxConnections: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  // Node's own default: room for large S3 uploads, which are bodies of one request.
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  maxConnections: 1_000,
};

export function limitsOf(partial: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...DEFAULT_LIMITS, ...partial };
  // node:http refuses a header timeout above the request timeout.
  limits.headersTimeoutMs = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return limits;
}

/** What a server answers, in its own error format, when the guard refuses a request or a handler fails. */
export type Reply = (res: ServerResponse, status: 400 | 500, message: string) => void;

/** The AWS JSON protocol's error shape (Cognito, EventBridge). */
export const awsJsonReply: Reply = (res, status, message) => {
  const type = status === 400 ? 'SerializationException' : 'InternalFailure';
  const body = JSON.stringify({ __type: type, message });
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type, 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
};

export type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

export interface GuardOptions {
  log(line: string): void;
  reply?: Reply;
}

/** True when `new URL` (which every handler uses) reads the request target. */
export function targetParses(target: string | undefined): boolean {
  return URL.canParse(target ?? '/', 'http://local');
}

/** True when a handler failed because its client left mid-request (not the server's fault: nothing to log). */
export function clientWentAway(req: IncomingMessage): boolean {
  return !req.complete && (req.readableAborted || req.destroyed);
}

/** `handler`, but a malformed target answers 400 and a throw or rejection answers 500, logged. */
export function guard(handler: Handler, opts: GuardOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const reply = opts.reply ?? awsJsonReply;
  return (req, res) => {
    const fail = (e: unknown) => {
      if (clientWentAway(req)) {
        res.destroy();
        return;
      }
      opts.log(`internal error answering ${req.method} ${String(req.url).slice(0, 200)}: ${(e as Error)?.stack ?? String(e)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      try {
        reply(res, 500, 'An internal failure occurred.');
      } catch {
        res.destroy();
      }
    };
    if (!targetParses(req.url)) {
      try {
        reply(res, 400, 'The request target is not a valid URL.');
      } catch (e) {
        fail(e);
      }
      return;
    }
    try {
      const out = handler(req, res);
      if (out instanceof Promise) out.catch(fail);
    } catch (e) {
      fail(e);
    }
  };
}

/** Answers what the HTTP parser refused, then closes the socket. */
export function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // A response already under way cannot be followed by another status line.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight) {
    socket.destroy();
    return;
  }
  answerAndClose(socket, err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400);
}

/** Writes a bodiless status answer on a raw socket (a refused upgrade, a parse error) and closes it. */
export function answerAndClose(socket: Duplex, status: number): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  // Give the answer a moment to leave before the socket goes (a client still sending would get a reset).
  const linger = setTimeout(() => socket.destroy(), 500);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
}

/** The node:http options that carry the limits (the check interval can only be set at creation). */
export function serverOptions(limits: ServerLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks the two timeouts above every this often (default 30 s, which would stretch them).
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/** Applies the limits and the clientError answer to a server made with `serverOptions(limits)`. */
export function harden<S extends Server>(server: S, limits: ServerLimits): S {
  server.timeout = limits.idleTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  server.on('clientError', onClientError);
  return server;
}

/** A node:http server with the guard, the limits and the clientError answer. */
export function createHardenedServer(handler: Handler, opts: GuardOptions & { limits?: Partial<ServerLimits> }): Server {
  const limits = limitsOf(opts.limits);
  return harden(createServer(serverOptions(limits), guard(handler, opts)), limits);
}

/**
 * Node starts enforcing headersTimeout / requestTimeout when a server emits `listening`. A server
 * that is only handed sockets (`emit('connection')`, as the one-port listener does) never listens,
 * so without this its slow-header clients would never be cut off.
 */
export function trackConnections(server: Server): void {
  server.emit('listening');
}

/**
 * The last resort of the stack's process: an exception or rejection nothing handled is logged and
 * the process keeps serving, so no single request can end the stack. Returns the uninstaller.
 */
export function installLastResort(log: (line: string) => void): () => void {
  const onException = (e: unknown) => log(`[runtime] uncaught exception (the stack keeps running; please report it): ${(e as Error)?.stack ?? String(e)}`);
  const onRejection = (e: unknown) => log(`[runtime] unhandled rejection (the stack keeps running; please report it): ${(e as Error)?.stack ?? String(e)}`);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
