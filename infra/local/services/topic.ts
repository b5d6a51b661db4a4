/**
 * A local stand-in for an SNS topic, for the messages a bus rule sends it. Each message is written,
 * as the SNS notification JSON an HTTP subscriber would get, to `<dir>/outbox/` (one file per
 * message, names sort in publish order), then POSTed to every configured HTTP subscriber whose
 * filter policy matches (retried with backoff on failure). E-mail, SMS and mobile push are not
 * sent locally: the outbox is where those messages would have come from.
 *
 * Filter policies use the event-pattern matcher (event-pattern.ts), whose operators are the ones
 * SNS filter policies share (exact values, prefix, suffix, equals-ignore-case, anything-but,
 * numeric, exists, $or), in either scope: `MessageAttributes` (default) or `MessageBody`.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { matches, validatePattern, type EventPattern } from './event-pattern.ts';

export interface TopicSubscriber {
  url: string;
  filterPolicy?: EventPattern;
  filterPolicyScope?: 'MessageAttributes' | 'MessageBody';
}

export interface MessageAttribute {
  Type: 'String' | 'String.Array' | 'Number';
  Value: string;
}

/** The notification JSON SNS posts to HTTP subscribers (unsigned locally). */
export interface TopicNotification {
  Type: 'Notification';
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
  MessageAttributes: Record<string, MessageAttribute>;
}

export class LocalTopic {
  readonly arn: string;
  /** One JSON file per published message. */
  readonly outboxDir: string;
  private readonly inFlight = new Set<Promise<void>>();
  private seq = 0;

  constructor(
    readonly name: string,
    dir: string,
    private readonly opts: { subscribers?: TopicSubscriber[]; region?: string; retries?: number; log?: (line: string) => void } = {},
  ) {
    this.arn = `arn:aws:sns:${opts.region ?? 'us-east-1'}:000000000000:${name}`;
    this.outboxDir = join(dir, 'outbox');
    mkdirSync(this.outboxDir, { recursive: true });
    for (const s of opts.subscribers ?? []) if (s.filterPolicy) validatePattern(s.filterPolicy);
  }

  /** Adds an HTTP subscription (SNS Subscribe + a confirmed endpoint); returns its removal. */
  subscribe(s: TopicSubscriber): () => void {
    if (s.filterPolicy) validatePattern(s.filterPolicy);
    const list = (this.opts.subscribers ??= []);
    list.push(s);
    return () => {
      const i = list.indexOf(s);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Publish: durable in the outbox before it returns; HTTP deliveries run in the background. */
  publish(input: { message: string; subject?: string; messageAttributes?: Record<string, MessageAttribute> }): TopicNotification {
    const n: TopicNotification = {
      Type: 'Notification',
      MessageId: randomUUID(),
      TopicArn: this.arn,
      ...(input.subject ? { Subject: input.subject } : {}),
      Message: input.message,
      Timestamp: new Date().toISOString(),
      MessageAttributes: input.messageAttributes ?? {},
    };
    const file = `${String(Date.now()).padStart(13, '0')}-${String(this.seq++).padStart(6, '0')}-${n.MessageId}.json`;
    writeFileSync(join(this.outboxDir, `.${file}.tmp`), JSON.stringify(n));
    renameSync(join(this.outboxDir, `.${file}.tmp`), join(this.outboxDir, file));
    for (const s of this.opts.subscribers ?? []) {
      if (!accepts(s, n)) continue;
      const p = this.deliver(s, n);
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    }
    return n;
  }

  /** Every message published so far, oldest first. */
  outbox(): TopicNotification[] {
    return readdirSync(this.outboxDir)
      .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(this.outboxDir, f), 'utf8')) as TopicNotification);
  }

  async flush(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(s: TopicSubscriber, n: TopicNotification): Promise<void> {
    const retries = this.opts.retries ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(s.url, {
          method: 'POST',
          headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': n.MessageId, 'x-amz-sns-topic-arn': n.TopicArn },
          body: JSON.stringify(n),
          signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer();
        if (res.status >= 200 && res.status < 300) return;
        throw new Error(`HTTP ${res.status}`);
      } catch (e) {
        const final = attempt > retries;
        this.opts.log?.(`topic ${this.name}: delivery to ${s.url} failed (attempt ${attempt}): ${(e as Error).message}${final ? '; giving up' : ''}`);
        if (final) return;
        await new Promise((r) => setTimeout(r, 100 * 2 ** (attempt - 1)));
      }
    }
  }
}

/** Whether a subscription's filter policy lets a message through. */
export function accepts(s: Pick<TopicSubscriber, 'filterPolicy' | 'filterPolicyScope'>, n: Pick<TopicNotification, 'Message' | 'MessageAttributes'>): boolean {
  if (!s.filterPolicy) return true;
  if (s.filterPolicyScope === 'MessageBody') {
    let body: unknown;
    try {
      body = JSON.parse(n.Message);
    } catch {
      return false;
    }
    return matches(s.filterPolicy, body);
  }
  const attrs: Record<string, unknown> = {};
  for (const [k, a] of Object.entries(n.MessageAttributes)) {
    attrs[k] = a.Type === 'Number' ? Number(a.Value) : a.Type === 'String.Array' ? (JSON.parse(a.Value) as unknown) : a.Value;
  }
  return matches(s.filterPolicy, attrs);
}
