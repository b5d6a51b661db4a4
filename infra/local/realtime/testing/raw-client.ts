/**
 * A raw AppSync real-time client for protocol tests: keeps every frame, and waits for frames by
 * predicate (never by elapsed time).
 */
import WebSocket from 'ws';

export type Frame = { type: string; id?: string; payload?: Record<string, unknown> & { errors?: Array<Record<string, unknown>>; data?: unknown } };

export const headerProtocol = (auth: Record<string, string>) => `header-${Buffer.from(JSON.stringify(auth)).toString('base64url')}`;

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

  /** The first frame at index ≥ `from` matching `pred`; rejects if the socket closes first. */
  async next(pred: (f: Frame) => boolean, from = 0): Promise<Frame> {
    for (;;) {
      const hit = this.frames.slice(from).find(pred);
      if (hit) return hit;
      if (this.closed) throw new Error(`socket closed (${this.closeCode}) while waiting; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((r) => this.waiters.push(r));
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

  start(id: string, query: string, variables: Record<string, unknown>, authorization: Record<string, string>): Promise<Frame> {
    return this.request(
      { id, type: 'start', payload: { data: JSON.stringify({ query, variables }), extensions: { authorization } } },
      (f) => f.id === id && (f.type === 'start_ack' || f.type === 'error'),
    );
  }

  stop(id: string): Promise<Frame> {
    return this.request({ id, type: 'stop' }, (f) => f.id === id && f.type === 'complete');
  }

  data(id: string): unknown[] {
    return this.frames.filter((f) => f.id === id && f.type === 'data').map((f) => f.payload?.data);
  }

  async waitClosed(): Promise<number | undefined> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
    return this.closeCode;
  }

  close(): void {
    this.ws.close();
  }
}
