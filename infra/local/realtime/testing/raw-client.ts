/**
 * The raw AppSync real-time client every test shares (protocol tests here, the end-to-end suites in
 * test/e2e): it opens a socket as Amplify does, keeps every frame, and waits for frames by
 * predicate (never by elapsed time; a wait is bounded, and fails on a closed socket).
 */
import WebSocket from 'ws';
import type { ServerMessage } from '../messages.ts';

/** A frame as received: one of the server messages (messages.ts), read loosely so tests can match on any field. */
export type Frame = {
  type: ServerMessage['type'];
  id?: string;
  payload?: Record<string, unknown> & { errors?: Array<Record<string, unknown>>; data?: unknown };
};

/** The `header-…` subprotocol carrying the auth headers (base64url JSON), as Amplify sends it. */
export const headerProtocol = (auth: Record<string, string>) => `header-${Buffer.from(JSON.stringify(auth)).toString('base64url')}`;

/** How long a wait for a frame lasts by default. */
const WAIT_MS = 15_000;

export class RawClient {
  readonly frames: Frame[] = [];
  closed = false;
  closeCode?: number;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      this.wake();
    });
    ws.on('close', (code) => {
      this.closed = true;
      this.closeCode = code;
      this.wake();
    });
    ws.on('error', () => this.wake());
  }

  static headerProtocol = headerProtocol;

  /** Opens a socket with the `graphql-ws` (+ `header-…` when `auth` is given) subprotocols. */
  static async open(url: string, opts: { auth?: Record<string, string>; protocols?: string[]; query?: string; ca?: string } = {}): Promise<RawClient> {
    const protocols = opts.protocols ?? ['graphql-ws', ...(opts.auth ? [headerProtocol(opts.auth)] : [])];
    const ws = new WebSocket(url + (opts.query ?? ''), protocols, opts.ca ? { ca: opts.ca } : {});
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return new RawClient(ws);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' || Buffer.isBuffer(msg) ? msg : JSON.stringify(msg));
  }

  /** The first frame at index ≥ `from` matching `pred`; rejects if the socket closes first or none comes within `timeoutMs`. */
  async next(pred: (f: Frame) => boolean, from = 0, timeoutMs = WAIT_MS): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.frames.slice(from).find(pred);
      if (hit) return hit;
      if (this.closed) throw new Error(`socket closed (${this.closeCode}) while waiting; got ${JSON.stringify(this.frames)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
  }

  /** Sends a frame and returns the first reply after it matching `pred`. */
  async request(msg: unknown, pred: (f: Frame) => boolean): Promise<Frame> {
    const from = this.frames.length;
    this.send(msg);
    return this.next(pred, from);
  }

  init(): Promise<Frame> {
    return this.request({ type: 'connection_init' }, (f) => f.type === 'connection_ack' || f.type === 'connection_error');
  }

  /** Sends a `start` and returns the start_ack or error for it. */
  start(id: string, query: string, variables: Record<string, unknown>, authorization: Record<string, string>): Promise<Frame> {
    return this.request(
      { id, type: 'start', payload: { data: JSON.stringify({ query, variables }), extensions: { authorization } } },
      (f) => f.id === id && (f.type === 'start_ack' || f.type === 'error'),
    );
  }

  stop(id: string): Promise<Frame> {
    return this.request({ id, type: 'stop' }, (f) => f.id === id && f.type === 'complete');
  }

  /** The `data` frames of one subscription, in order. */
  dataFrames(id: string): Frame[] {
    return this.frames.filter((f) => f.id === id && f.type === 'data');
  }

  /** Their `payload.data`. */
  data(id: string): unknown[] {
    return this.dataFrames(id).map((f) => f.payload?.data);
  }

  async waitClosed(): Promise<number | undefined> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
    return this.closeCode;
  }

  close(): void {
    this.ws.close();
  }
}
