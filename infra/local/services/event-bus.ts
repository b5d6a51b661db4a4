import { randomUUID } from 'node:crypto';
import { matches, validatePattern, type EventPattern } from './event-pattern.ts';

/**
 * A local EventBridge: PutEvents with EventBridge's validation and result shape, rules with
 * event patterns, and targets that are in-process functions or HTTP webhooks (POST of the event
 * JSON). Delivery is asynchronous, as in EventBridge: PutEvents returns once events are accepted;
 * `flush()` waits for deliveries in flight (tests, shutdown).
 */
export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  /** A JSON object, as a string. */
  Detail?: string;
  Resources?: string[];
  /** Defaults to the time of the call. */
  Time?: Date | string;
  /** The bus key; defaults to the bus's own name. */
  EventBusName?: string;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface PutEventsResult {
  Entries: PutEventsResultEntry[];
  FailedEntryCount: number;
}

/** The event as EventBridge delivers it to a target. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export type RuleTarget =
  | {
      id?: string;
      /** A rejection is a failed attempt: retried with backoff, up to the bus's retries. */
      handler: (event: BusEvent, attempt: number) => unknown;
      /** Called once when the bus gives up on the event (the dead-letter queue's stand-in). */
      onGiveUp?: (event: BusEvent, error: Error) => unknown;
    }
  | { id?: string; url: string; headers?: Record<string, string> };

export interface Rule {
  name: string;
  /** Only events put on this bus; undefined = every bus. */
  bus?: string;
  eventPattern: EventPattern;
  targets: RuleTarget[];
}

/** A PutEvents call EventBridge rejects as a whole. */
export class EventBridgeError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

export const MAX_ENTRIES = 10;
/** EventBridge's limit for a PutEvents request (and so for one entry). */
export const MAX_REQUEST_BYTES = 256 * 1024;

export class LocalEventBus {
  private readonly rules = new Map<string, Rule>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly log: (line: string) => void;
  private readonly retries: number;
  readonly name: string;
  readonly account = '000000000000';
  readonly region: string;
  /** Every accepted event, newest last (bounded), for inspection. */
  readonly recent: Array<BusEvent & { bus: string }> = [];

  constructor(opts: { name?: string; region?: string; log?: (line: string) => void; retries?: number } = {}) {
    this.name = opts.name ?? 'default';
    this.region = opts.region ?? 'us-east-1';
    this.log = opts.log ?? (() => {});
    this.retries = opts.retries ?? 3;
  }

  /** Adds or replaces a rule; returns a function that removes it. */
  addRule(rule: Rule): () => void {
    validatePattern(rule.eventPattern);
    this.rules.set(rule.name, rule);
    return () => this.removeRule(rule.name);
  }

  removeRule(name: string): void {
    this.rules.delete(name);
  }

  async putEvents(entries: PutEventsEntry[]): Promise<PutEventsResult> {
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw new EventBridgeError('ValidationException', `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`);
    }
    if (entries.reduce((n, e) => n + entrySize(e), 0) > MAX_REQUEST_BYTES) {
      throw new EventBridgeError('ValidationException', 'Total size of the entries in the request is over the limit.');
    }
    const results = entries.map((entry) => this.accept(entry));
    return { Entries: results, FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length };
  }

  /** Waits until every delivery started so far has finished (or given up). */
  async flush(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private accept(entry: PutEventsEntry): PutEventsResultEntry {
    if (!entry.Source || !entry.DetailType || entry.Detail === undefined) {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameters Source, DetailType and Detail are required.' };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      detail = undefined;
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const time = entry.Time === undefined ? new Date() : new Date(entry.Time);
    if (Number.isNaN(time.getTime())) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Time is not a valid timestamp.' };
    const event: BusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: this.account,
      // EventBridge's event time has second precision.
      time: `${time.toISOString().slice(0, 19)}Z`,
      region: this.region,
      resources: entry.Resources ?? [],
      detail,
    };
    const bus = entry.EventBusName ?? this.name;
    this.recent.push({ ...event, bus });
    if (this.recent.length > 1000) this.recent.shift();
    for (const rule of this.rules.values()) {
      if ((rule.bus === undefined || rule.bus === bus) && matches(rule.eventPattern, event)) {
        for (const target of rule.targets) this.track(this.deliver(rule, target, event));
      }
    }
    return { EventId: event.id };
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async deliver(rule: Rule, target: RuleTarget, event: BusEvent): Promise<void> {
    const label = `${rule.name}/${target.id ?? ('url' in target ? target.url : 'function')}`;
    for (let attempt = 1; ; attempt++) {
      try {
        if ('handler' in target) {
          await target.handler(event, attempt);
        } else {
          const body = JSON.stringify(event);
          const res = await fetch(target.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...target.headers },
            body,
            signal: AbortSignal.timeout(5000),
          });
          await res.arrayBuffer();
          // Like API destinations: 4xx other than 429 will not get better by retrying.
          if (res.status >= 400 && res.status !== 429 && res.status < 500) throw Object.assign(new Error(`HTTP ${res.status}`), { final: true });
          if (res.status >= 400) throw new Error(`HTTP ${res.status}`);
        }
        return;
      } catch (e) {
        const final = (e as { final?: boolean }).final || attempt > this.retries;
        this.log(`delivery to ${label} failed (attempt ${attempt}): ${(e as Error).message}${final ? '; giving up' : ''}`);
        if (final) {
          if ('handler' in target && target.onGiveUp) {
            try {
              await target.onGiveUp(event, e as Error);
            } catch (e2) {
              this.log(`${label}: recording the undelivered event failed: ${(e2 as Error).message}`);
            }
          }
          return;
        }
        await new Promise((r) => setTimeout(r, 100 * 2 ** (attempt - 1)));
      }
    }
  }
}

/** The size EventBridge counts for an entry (its documented calculation). */
export function entrySize(e: PutEventsEntry): number {
  const bytes = (s: string | undefined) => (s ? Buffer.byteLength(s, 'utf8') : 0);
  return (e.Time !== undefined ? 14 : 0) + bytes(e.Source) + bytes(e.DetailType) + bytes(e.Detail) + (e.Resources ?? []).reduce((n, r) => n + bytes(r), 0);
}
