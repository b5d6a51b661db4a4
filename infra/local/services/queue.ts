/**
 * A local stand-in for an SQS queue, for the messages a bus rule sends it: durable, one JSON file
 * per message under `<dir>/messages/` (names sort in send order), so a script, a test or another
 * process can read it. `receive` returns the oldest messages and leaves them in place; `delete`
 * removes one by its receipt handle. Not emulated: visibility timeouts, receive counts and the
 * dead-letter redrive (one consumer at a time is assumed).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface QueueMessage {
  MessageId: string;
  Body: string;
  MD5OfBody: string;
  /** Epoch milliseconds, as SQS's SentTimestamp attribute. */
  SentTimestamp: string;
  /** Pass to `delete` once processed. */
  ReceiptHandle: string;
}

export class LocalQueue {
  readonly dir: string;
  readonly url: string;
  private seq = 0;

  constructor(
    readonly name: string,
    dir: string,
  ) {
    this.dir = join(dir, 'messages');
    this.url = `file://${this.dir}`;
    mkdirSync(this.dir, { recursive: true });
  }

  send(body: string): { MessageId: string; MD5OfMessageBody: string } {
    const MessageId = randomUUID();
    const MD5OfMessageBody = createHash('md5').update(body).digest('hex');
    const now = Date.now();
    const file = `${String(now).padStart(13, '0')}-${String(this.seq++).padStart(6, '0')}-${MessageId}.json`;
    const msg = { MessageId, Body: body, MD5OfBody: MD5OfMessageBody, SentTimestamp: String(now) };
    // Written whole, then renamed: a reader never sees half a message.
    writeFileSync(join(this.dir, `.${file}.tmp`), JSON.stringify(msg));
    renameSync(join(this.dir, `.${file}.tmp`), join(this.dir, file));
    return { MessageId, MD5OfMessageBody };
  }

  /** The oldest `max` messages (1..10, like ReceiveMessage), left in the queue until deleted. */
  receive(max = 10): QueueMessage[] {
    if (!Number.isInteger(max) || max < 1 || max > 10) throw new Error('MaxNumberOfMessages must be between 1 and 10');
    return this.files()
      .slice(0, max)
      .map((f) => ({ ...(JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as Omit<QueueMessage, 'ReceiptHandle'>), ReceiptHandle: f }));
  }

  delete(receiptHandle: string): void {
    rmSync(join(this.dir, basename(receiptHandle)), { force: true });
  }

  /** Messages waiting. */
  count(): number {
    return this.files().length;
  }

  private files(): string[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
      .sort();
  }
}
