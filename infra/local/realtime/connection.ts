/**
 * One client connection of the AppSync real-time protocol, independent of the socket library:
 * text frames come in through `receive`, server messages go out through `send`.
 */
import type { InvalidationSpec } from '../appsync-js/types.ts';
import type { AuthFailure } from '../auth/types.ts';
import { protocolErrors } from './errors.ts';
import { matchesArguments, matchesFilter, matchesInvalidation, validateFilterSpec } from './filters.ts';
import { MAX_MESSAGE_BYTES, parseClientMessage, parseStartData, type ServerMessage, type StartMessage } from './messages.ts';
import type { PreparedSubscription, ProtocolErrorEntry, RealtimeEngine, SubscriptionEvent } from './types.ts';

/** AppSync's default quota of subscriptions on one connection. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 100;
/** How long a socket may stay open without sending `connection_init` (README emulation table). */
export const DEFAULT_CONNECTION_INIT_TIMEOUT_MS = 30_000;
/** The close code of such a socket (graphql-ws's "connection initialisation timeout"; AppSync's is not documented). */
export const INIT_TIMEOUT_CLOSE_CODE = 4408;
/** How long a refused handshake waits for the client's first frame before the socket is closed. */
const REFUSED_HANDSHAKE_GRACE_MS = 15_000;

export interface ConnectionOptions {
  engine: RealtimeEngine;
  sourceIp: string;
  /** The GraphQL endpoint's path (the real-time path without `/realtime`): what IAM clients sign. */
  graphqlPath: string;
  /** Result of checking the handshake's auth headers. */
  handshake: { ok: true } | AuthFailure;
  connectionTimeoutMs: number;
  keepAliveIntervalMs: number;
  /** Closes the socket when no `connection_init` arrived within this (default DEFAULT_CONNECTION_INIT_TIMEOUT_MS). */
  connectionInitTimeoutMs?: number;
  send(message: ServerMessage): void;
  /** Closes the socket after what was sent so far. */
  close(code: number, reason: string): void;
  log(line: string): void;
}

/** True when an event reaches a subscription. With an enhanced filter set, AppSync filters on it alone. */
export function eventMatches(sub: PreparedSubscription, event: SubscriptionEvent): boolean {
  if (sub.fieldName !== event.fieldName) return false;
  if (sub.enhancedFilter) return matchesFilter(sub.enhancedFilter, event.data);
  return matchesArguments(sub.argumentFilter, event.data);
}

export class Connection {
  private initialized = false;
  private disposed = false;
  private keepAlive?: ReturnType<typeof setInterval>;
  private refusal?: ReturnType<typeof setTimeout>;
  private initDeadline?: ReturnType<typeof setTimeout>;
  /** Subscriptions by client id; a start still being prepared holds null. */
  private readonly subscriptions = new Map<string, PreparedSubscription | null>();
  /** Per-subscription delivery chain, so each subscriber gets events in publish order. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly opts: ConnectionOptions) {
    if (!opts.handshake.ok) {
      // AppSync answers the first frame of a refused socket with connection_error, then closes.
      this.refusal = setTimeout(() => opts.close(1000, 'unauthorized'), REFUSED_HANDSHAKE_GRACE_MS);
      this.refusal.unref?.();
    } else {
      // AppSync closes a socket that never initialises; so does this, after the configured interval.
      this.initDeadline = setTimeout(() => {
        if (this.initialized || this.disposed) return;
        opts.log('closing a socket that sent no connection_init in time');
        opts.close(INIT_TIMEOUT_CLOSE_CODE, 'connection_init not received in time');
        this.dispose();
      }, opts.connectionInitTimeoutMs ?? DEFAULT_CONNECTION_INIT_TIMEOUT_MS);
      this.initDeadline.unref?.();
    }
  }

  get subscriptionCount(): number {
    let n = 0;
    for (const s of this.subscriptions.values()) if (s) n += 1;
    return n;
  }

  /** One frame from the client. Never throws. */
  receive(raw: string, isBinary = false): void {
    if (this.disposed) return;
    const { handshake } = this.opts;
    if (!handshake.ok) {
      this.opts.send({ type: 'connection_error', payload: { errors: [{ errorType: handshake.errorType, message: handshake.message, errorCode: handshake.status }] } });
      this.opts.close(1000, 'unauthorized');
      this.dispose();
      return;
    }
    if (isBinary) return this.sendError(undefined, protocolErrors.badRequest('Binary frames are not supported; send JSON text.'));
    const parsed = parseClientMessage(raw, MAX_MESSAGE_BYTES);
    if (!parsed.ok) return this.sendError(parsed.id, parsed.error);
    const msg = parsed.message;
    switch (msg.type) {
      case 'connection_init':
        return this.acknowledge();
      case 'stop':
        return this.stop(msg.id);
      case 'start':
        void this.start(msg).catch((e: unknown) => this.opts.log(`start ${msg.id}: ${(e as Error).stack ?? String(e)}`));
    }
  }

  private acknowledge(): void {
    this.initialized = true;
    if (this.initDeadline) clearTimeout(this.initDeadline);
    this.opts.send({ type: 'connection_ack', payload: { connectionTimeoutMs: this.opts.connectionTimeoutMs } });
    // Amplify's keep-alive clock survives reconnects, so a ka goes out right after the ack.
    this.opts.send({ type: 'ka' });
    if (!this.keepAlive) {
      this.keepAlive = setInterval(() => this.opts.send({ type: 'ka' }), this.opts.keepAliveIntervalMs);
      this.keepAlive.unref?.();
    }
  }

  private stop(id: string): void {
    this.subscriptions.delete(id);
    this.chains.delete(id);
    this.opts.send({ type: 'complete', id });
  }

  private sendError(id: string | undefined, ...errors: ProtocolErrorEntry[]): void {
    this.opts.send({ type: 'error', ...(id !== undefined ? { id } : {}), payload: { errors } });
  }

  private async start(msg: StartMessage): Promise<void> {
    const { id } = msg;
    if (!this.initialized) return this.sendError(id, protocolErrors.notInitialized());
    if (this.subscriptions.has(id)) return this.sendError(id, protocolErrors.duplicated(id));
    if (this.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) return this.sendError(id, protocolErrors.maxSubscriptions(MAX_SUBSCRIPTIONS_PER_CONNECTION));
    const data = parseStartData(msg.payload.data);
    if (!data.ok) return this.sendError(id, data.error);

    this.subscriptions.set(id, null);
    let prepared: Awaited<ReturnType<RealtimeEngine['prepare']>>;
    try {
      prepared = await this.opts.engine.prepare({
        ...data.request,
        authHeaders: msg.payload.extensions.authorization,
        sourceIp: this.opts.sourceIp,
        signedRequest: { method: 'POST', path: this.opts.graphqlPath, body: msg.payload.data },
      });
    } catch (e) {
      this.opts.log(`start ${id}: engine failed: ${(e as Error).stack ?? String(e)}`);
      prepared = { ok: false, errors: [protocolErrors.internal()] };
    }
    // A stop (or the socket closing) may have come while the start was prepared.
    if (this.disposed || this.subscriptions.get(id) !== null) return;
    if (prepared.ok) {
      const sub = prepared.subscription;
      const invalid = validateFilterSpec(sub.enhancedFilter, sub.enhancedFilter ? {} : sub.argumentFilter) ?? validateFilterSpec(sub.invalidationFilter);
      if (invalid) prepared = { ok: false, errors: [protocolErrors.invalidFilter(invalid)] };
    }
    if (!prepared.ok) {
      this.subscriptions.delete(id);
      return this.sendError(id, ...prepared.errors);
    }
    this.subscriptions.set(id, prepared.subscription);
    this.opts.send({ type: 'start_ack', id });
  }

  /** Queues the event for every matching subscription; returns without waiting for any render. */
  publish(event: SubscriptionEvent): void {
    for (const [id, sub] of this.subscriptions) {
      if (!sub || !eventMatches(sub, event)) continue;
      const prev = this.chains.get(id) ?? Promise.resolve();
      const next = prev.then(() => this.deliver(id, sub, event)).catch((e: unknown) => this.opts.log(`subscription ${id}: render failed: ${(e as Error).stack ?? String(e)}`));
      this.chains.set(id, next);
    }
  }

  private async deliver(id: string, sub: PreparedSubscription, event: SubscriptionEvent): Promise<void> {
    if (this.subscriptions.get(id) !== sub) return;
    const rendered = await sub.render(event.data);
    if (this.subscriptions.get(id) !== sub) return;
    if (!rendered.data) return; // Amplify drops frames with null data anyway
    const message: ServerMessage = { type: 'data', id, payload: { data: rendered.data, ...(rendered.errors?.length ? { errors: rendered.errors } : {}) } };
    const size = Buffer.byteLength(JSON.stringify(message));
    if (size > MAX_MESSAGE_BYTES) {
      // AppSync drops an oversized subscription message without telling the client.
      this.opts.log(`subscription ${id}: ${event.fieldName} message of ${size} bytes exceeds ${MAX_MESSAGE_BYTES}; not delivered`);
      return;
    }
    this.opts.send(message);
  }

  /** Ends the subscriptions whose invalidation filter matches the payload (AppSync unsubscribes them). */
  invalidate(spec: InvalidationSpec): void {
    for (const [id, sub] of this.subscriptions) {
      if (!sub || sub.fieldName !== spec.subscriptionField) continue;
      if (!matchesInvalidation(sub.invalidationFilter, spec.payload)) continue;
      this.subscriptions.delete(id);
      this.chains.delete(id);
      this.opts.send({ type: 'complete', id });
    }
  }

  /** Forgets everything; called when the socket closes. */
  dispose(): void {
    this.disposed = true;
    if (this.keepAlive) clearInterval(this.keepAlive);
    if (this.refusal) clearTimeout(this.refusal);
    if (this.initDeadline) clearTimeout(this.initDeadline);
    this.subscriptions.clear();
    this.chains.clear();
  }
}
