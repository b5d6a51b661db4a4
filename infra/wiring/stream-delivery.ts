/**
 * How a stream handler's batches are delivered, the same in AWS (the event source mapping,
 * infra/aws/stream-handlers.ts) and locally (infra/local/services/stream-trigger.ts):
 * - records matching none of the handler's `filters` are never delivered;
 * - the handler answers with a partial batch response (`batchItemFailures` by sequence number);
 *   the batch is retried from the lowest failed record, a batch that fails as a whole is halved;
 * - after `retryAttempts` retries, or once a record is older than `maxRecordAgeSeconds`, the batch
 *   goes to the handler's failure destination and the stream moves on. The age is half the
 *   stream's 24-hour retention: the records named in a failure message can still be read back.
 */
export const STREAM_DELIVERY = {
  retryAttempts: 5,
  bisectBatchOnError: true,
  maxRecordAgeSeconds: 12 * 60 * 60,
} as const;

/** Lambda accepts at most five filters per event source mapping (records matching any are delivered). */
export const MAX_STREAM_FILTERS = 5;
