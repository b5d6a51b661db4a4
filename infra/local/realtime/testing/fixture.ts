/**
 * A real-time server on a free loopback port (plain and TLS on the same port) with a tiny
 * in-test engine: `subscription { field }` subscribes to `field`; variables carry the argument
 * filter, enhanced filter and invalidation filter; a fixed token authorizes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SubscriptionFilterSpec } from '../../appsync-js/types.ts';
import type { SignedRequest } from '../../auth/types.ts';
import { ensureCertificate } from '../../net/cert.ts';
import { listen } from '../../net/listener.ts';
import { createRealtimeServer, type RealtimeServer } from '../server.ts';
import type { PreparedSubscription, RealtimeEngine } from '../types.ts';

export const TOKEN = 'good-token';
export const auth = (token = TOKEN) => ({ Authorization: token, host: '127.0.0.1' });

export interface TestVariables {
  args?: Record<string, unknown>;
  filter?: SubscriptionFilterSpec;
  invalidation?: SubscriptionFilterSpec;
}

/** Event data understood by the test engine's render. */
export interface TestEventData {
  /** render waits this many ms (to prove per-subscriber ordering). */
  delayMs?: number;
  /** render returns null data. */
  nothing?: boolean;
  /** render throws. */
  explode?: boolean;
  [k: string]: unknown;
}

export const testEngine = (): RealtimeEngine & { prepared: number; signed: SignedRequest[] } => {
  const engine = {
    prepared: 0,
    /** Every signedRequest the server passed, in order (what an IAM client would have signed). */
    signed: [] as SignedRequest[],
    async authenticate(headers: Record<string, string>, _sourceIp: string, signedRequest?: SignedRequest) {
      if (signedRequest) engine.signed.push(signedRequest);
      return headers.Authorization === TOKEN ? ({ ok: true } as const) : ({ ok: false, errorType: 'UnauthorizedException', message: 'Token is not valid.', status: 401 } as const);
    },
    async prepare(req: { query: string; variables?: Record<string, unknown>; authHeaders: Record<string, string>; signedRequest?: SignedRequest }) {
      if (req.signedRequest) engine.signed.push(req.signedRequest);
      if (req.authHeaders.Authorization !== TOKEN) {
        return { ok: false as const, errors: [{ errorType: 'UnauthorizedException', message: 'Token is not valid.', errorCode: 401 }] };
      }
      if (req.query.includes('boom')) throw new Error('engine blew up');
      const field = /subscription\s*\{\s*(\w+)/.exec(req.query)?.[1];
      if (!field) return { ok: false as const, errors: [{ errorType: 'ValidationError', message: 'Not a subscription.' }] };
      const v = (req.variables ?? {}) as TestVariables;
      engine.prepared += 1;
      const subscription: PreparedSubscription = {
        fieldName: field,
        argumentFilter: v.args ?? {},
        ...(v.filter ? { enhancedFilter: v.filter } : {}),
        ...(v.invalidation ? { invalidationFilter: v.invalidation } : {}),
        async render(data) {
          const d = data as TestEventData;
          if (d.delayMs) await new Promise((r) => setTimeout(r, d.delayMs));
          if (d.explode) throw new Error('render blew up');
          return { data: d.nothing ? null : { [field]: data } };
        },
      };
      return { ok: true as const, subscription };
    },
  };
  return engine;
};

export interface Fixture {
  server: RealtimeServer;
  engine: ReturnType<typeof testEngine>;
  wsUrl: string;
  wssUrl: string;
  ca: string;
  logs: string[];
  stop(): Promise<void>;
}

export async function startFixture(opts: { keepAliveIntervalMs?: number } = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'realtime-test-'));
  const cert = await ensureCertificate(dir);
  const engine = testEngine();
  const logs: string[] = [];
  const server = createRealtimeServer({ engine, keepAliveIntervalMs: opts.keepAliveIntervalMs, log: (l) => logs.push(l) });
  const listener = await listen({
    port: 0,
    host: '127.0.0.1',
    tls: cert,
    onRequest: (_req, res) => res.writeHead(404).end(),
    onUpgrade: (req, socket, head) => {
      if ((req.url ?? '').startsWith('/graphql/realtime')) server.handleUpgrade(req, socket, head);
      else socket.destroy();
    },
  });
  return {
    server,
    engine,
    wsUrl: `ws://127.0.0.1:${listener.port}/graphql/realtime`,
    wssUrl: `wss://127.0.0.1:${listener.port}/graphql/realtime`,
    ca: cert.ca,
    logs,
    async stop() {
      await server.close();
      await listener.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once `cond()` holds, re-checking on each turn of the event loop. */
export async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}
