/**
 * Lambda's partial batch response for a DynamoDB stream (the mapping sets ReportBatchItemFailures):
 * a handler handles every record on its own and reports the ones that failed by sequence number.
 * Lambda then checkpoints before the lowest one and retries from it; what still fails after the
 * mapping's retries (or grows older than its maximum record age) goes to its on-failure destination.
 * One failing record so never stops the others in its batch from being handled.
 */
import { errorFields, log, type LogFields } from './log.ts';

export interface BatchItemFailure {
  itemIdentifier: string;
}

/** The record fields this needs (a DynamoDB stream record as Lambda hands it over). */
export interface SequencedRecord {
  eventID?: string;
  dynamodb?: { SequenceNumber?: string };
}

export class StreamBatch {
  private readonly failed = new Map<string, unknown>();
  private readonly unsequenced: unknown[] = [];

  constructor(private readonly handler: string) {}

  /** Logs the failure (one JSON line naming the change) and reports the record. */
  fail(record: SequencedRecord, error: unknown, fields: LogFields = {}): void {
    log('ERROR', 'stream record failed; reported for retry', { handler: this.handler, eventID: record.eventID, sequenceNumber: record.dynamodb?.SequenceNumber, ...fields, ...errorFields(error) });
    const seq = record.dynamodb?.SequenceNumber;
    if (seq) this.failed.set(seq, error);
    else this.unsequenced.push(error);
  }

  /**
   * The response Lambda reads. A failed record without a sequence number cannot be named, so the
   * whole batch fails instead (thrown), which Lambda retries as well.
   */
  failures(): BatchItemFailure[] {
    if (this.unsequenced.length > 0) {
      const first = this.unsequenced[0];
      throw first instanceof Error ? first : new Error(String(first));
    }
    return [...this.failed.keys()].map((itemIdentifier) => ({ itemIdentifier }));
  }
}
