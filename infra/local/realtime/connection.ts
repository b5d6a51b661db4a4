/**
 * One client connection of the real-time protocol, independent of the socket library: it takes
 * text frames in and hands server messages to `send`.
 */
import type { InvalidationSpec } from '../appsync-js/types.ts';
import { matchesArguments, matchesFilter } from './filters.ts';
import { parseClientMessage, parseStartData, type ServerMessage, type Start } from './messages.ts';
import type { PreparedSubscription, RealtimeEngine, SubscriptionEvent } from './types.ts';

/** AppSync's cap on one subscription message. */
export const MAX_MESSAGE_BYTES = 240 * 1024;
/** AppSync's default limit of subscriptions on one connection. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 100;

export interface ConnectionOptions {
  engine: RealtimeEngine;
  sourceIp: string;
  connectionTimeoutMs: number;
  send(message: ServerMessage): void;
  /** Closes the socket (after the last message was sent). */
  close(code: number, reason: string): void;
  log(line: string): void;
}

export class Connection {
  private initialized = false;
  /** Subscriptions by client id; a pending start holds null until it is prepared. */
  readonly subscriptions = new Map<string, PreparedSubscription | null>();
  /** Per-subscription delivery chain, so events arrive in publish order. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly opts: ConnectionOptions) {}

  receive(raw: string): void {
    const parsed = parseClientMessage(raw);
    if (!parsed.ok) {
      this.opts.send({ type: 'error', ...(parsed.id ? { id: parsed.id } : {}), payload: { errors: [parsed.error] } });
      return;
    }
    const msg = parsed.message;
    if (msg.type === 'connection_init') {
      this.initialized = true;
      this.opts.send({ type: 'connection_ack', payload: { connectionTimeoutMs: this.opts.connectionTimeoutMs } });
      this.opts.send({ type: 'ka' });
      return;
    }
    if (msg.type === 'stop') {
      this.subscriptions.delete(msg.id);
      this.chains.delete(msg.id);
      this.opts.send({ type: 'complete', id: msg.id });
      return;
    }
    void this.start(msg);
  }

  private async start(msg: Start): Promise<void> {
    const fail = (errorType: string, message: string, errorCode?: number) =>
      this.opts.send({ type: 'error', id: msg.id, payload: { errors: [{ errorType, message, ...(errorCode ? { errorCode } : {}) }] } });
    if (!this.initialized) return fail('BadRequestException', 'connection_init must be sent and acknowledged before start.', 400);
    if (this.subscriptions.has(msg.id)) return fail('DuplicatedOperationError', `Duplicated operation with id ${msg.id}`);
    if (this.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
      return fail('MaxSubscriptionsReachedError', `Max number of ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions reached`);
    }
    const data = parseStartData(msg.payload.data);
    if (!data.ok) return fail(data.error.errorType, data.error.message);
    this.subscriptions.set(msg.id, null);
    let prepared: Awaited<ReturnType<RealtimeEngine['prepare']>>;
    try {
      prepared = await this.opts.engine.prepare({
        query: data.query as string,
        variables: data.variables,
        operationName: data.operationName,
        authHeaders: msg.payload.extensions.authorization,
        sourceIp: this.opts.sourceIp,
      });
    } catch (e) {
      this.opts.log(`start ${msg.id}: ${(e as Error).stack ?? String(e)}`);
      prepared = { ok: false, errors: [{ errorType: 'InternalFailure', message: 'An internal failure occurred.' }] };
    }
    // A stop may have arrived while the start was being prepared.
    if (!this.subscriptions.has(msg.id)) return;
    if (!prepared.ok) {
      this.subscriptions.delete(msg.id);
      this.opts.send({ type: 'error', id: msg.id, payload: { errors: prepared.errors } });
      return;
    }
    this.subscriptions.set(msg.id, prepared.subscription);
    this.opts.send({ type: 'start_ack', id: msg.id });
  }

  /** Delivers an event to every matching subscription of this connection, in publish order. */
  publish(event: SubscriptionEvent): void {
    for (const [id, sub] of this.subscriptions) {
      if (!sub || sub.fieldName !== event.fieldName) continue;
      // A filter set by the subscription resolver replaces argument filtering (the resolver sees the
      // arguments and states the whole rule), as AppSync's enhanced filtering does.
      const passes = sub.enhancedFilter ? matchesFilter(sub.enhancedFilter, event.data) : matchesArguments(sub.argumentFilter, event.data);
      if (!passes) continue;
      const prev = this.chains.get(id) ?? Promise.resolve();
      const next = prev.then(async () => {
        if (this.subscriptions.get(id) !== sub) return;
        const rendered = await sub.render(event.data);
        if (!rendered.data) return; // AppSync clients drop frames with null data
        const message: ServerMessage = { type: 'data', id, payload: { data: rendered.data, ...(rendered.errors ? { errors: rendered.errors } : {}) } };
        const size = Buffer.byteLength(JSON.stringify(message));
        if (size > MAX_MESSAGE_BYTES) {
          this.opts.log(`subscription ${id}: event of ${size} bytes exceeds ${MAX_MESSAGE_BYTES}; not delivered`);
          this.opts.send({ type: 'error', id, payload: { errors: [{ errorType: 'MessageTooLarge', message: `Subscription message of ${size} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit.` }] } });
          return;
        }
        this.opts.send(message);
      }).catch((e: unknown) => this.opts.log(`subscription ${id}: ${(e as Error).stack ?? String(e)}`));
      this.chains.set(id, next);
    }
  }

  /** Ends the subscriptions whose invalidation filter matches (AppSync unsubscribes them). */
  invalidate(spec: InvalidationSpec): void {
    for (const [id, sub] of this.subscriptions) {
      if (!sub || sub.fieldName !== spec.subscriptionField || !sub.invalidationFilter) continue;
      if (!matchesFilter(sub.invalidationFilter, spec.payload)) continue;
      this.subscriptions.delete(id);
      this.chains.delete(id);
      this.opts.send({ type: 'complete', id });
    }
  }

  get subscriptionCount(): number {
    return [...this.subscriptions.values()].filter(Boolean).length;
  }
}
