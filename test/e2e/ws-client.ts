import WebSocket from 'ws';

export type Msg = { type: string; id?: string; payload?: Record<string, unknown> };

/** A raw AppSync real-time client for tests: every frame is kept and can be awaited in order. */
export class RawRealtimeClient {
  readonly messages: Msg[] = [];
  private waiters: Array<() => void> = [];
  closed = false;
  closeCode?: number;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as Msg);
      this.wake();
    });
    ws.on('close', (code) => {
      this.closed = true;
      this.closeCode = code;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static headerProtocol(auth: Record<string, string>): string {
    return `header-${Buffer.from(JSON.stringify(auth)).toString('base64url')}`;
  }

  /** Opens a socket with the `graphql-ws` + `header-…` subprotocols, as Amplify does. */
  static async open(realtimeUrl: string, auth: Record<string, string>, opts: { query?: string; protocols?: string[] } = {}): Promise<RawRealtimeClient> {
    const protocols = opts.protocols ?? ['graphql-ws', RawRealtimeClient.headerProtocol(auth)];
    const ws = new WebSocket(realtimeUrl + (opts.query ?? ''), protocols);
    const client = new RawRealtimeClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return client;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Waits for the next frame (after `from`) matching `pred`; fails if the socket closes first. */
  async next(pred: (m: Msg) => boolean, from = 0, timeoutMs = 15_000): Promise<Msg> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.messages.slice(from).find(pred);
      if (hit) return hit;
      if (this.closed) throw new Error(`socket closed (${this.closeCode}) while waiting; got ${JSON.stringify(this.messages)}`);
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  async init(): Promise<Msg> {
    const from = this.messages.length;
    this.send({ type: 'connection_init' });
    return this.next((m) => m.type === 'connection_ack' || m.type === 'connection_error', from);
  }

  /** Sends a `start` and returns the start_ack or error for it. */
  async start(id: string, query: string, variables: Record<string, unknown>, authorization: Record<string, string>): Promise<Msg> {
    const from = this.messages.length;
    this.send({ id, type: 'start', payload: { data: JSON.stringify({ query, variables }), extensions: { authorization } } });
    return this.next((m) => m.id === id && (m.type === 'start_ack' || m.type === 'error'), from);
  }

  dataFor(id: string): Msg[] {
    return this.messages.filter((m) => m.id === id && m.type === 'data');
  }

  close(): void {
    this.ws.close();
  }
}
