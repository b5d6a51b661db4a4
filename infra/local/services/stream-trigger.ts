/**
 * A DynamoDB stream event source, as Lambda's event source mapping runs one: polls every shard of a
 * table's stream (DynamoDB Local's here), and hands batches of records to a handler in Lambda's
 * event shape (`{ Records: [...] }` with `eventSourceARN`), with the mapping's semantics
 * (infra/wiring/stream-delivery.ts):
 * - records matching none of `filters` (Lambda's filter patterns) are never delivered;
 * - the handler's partial batch response (`batchItemFailures` by SequenceNumber) checkpoints before
 *   the lowest failed record and retries from it; a batch that fails as a whole (a thrown error, or
 *   a response naming no record of the batch) is halved on retry (`bisectOnError`);
 * - retries back off, and later records of that shard wait, as with Lambda; after `maxRetries`
 *   retries, or for records older than `maxRecordAgeMs`, the records go to `onFailure` in the shape
 *   of Lambda's on-failure record (plus the records themselves) and the shard moves on.
 */
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record } from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { matches, validatePattern, type EventPattern } from './event-pattern.ts';

type StreamRecord = _Record & { eventSourceARN: string };

/** Lambda's on-failure record for a stream batch, plus (locally) the records it names. */
export interface StreamFailure {
  version: '1.0';
  timestamp: string;
  requestContext: { condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded'; approximateInvokeCount: number };
  responseContext: { functionError?: string };
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord?: string;
    approximateArrivalOfLastRecord?: string;
    batchSize: number;
    streamArn: string;
  };
  records: StreamRecord[];
}

export interface StreamTriggerOptions {
  dynamodb: DynamoDBClient;
  endpoint: string;
  table: string;
  /** Resolves with the handler's answer (a partial batch response or anything else: all succeeded). */
  invoke: (event: { Records: StreamRecord[] }) => Promise<unknown>;
  batchSize?: number;
  pollIntervalMs?: number;
  maxRetries?: number;
  /** Lambda filter patterns; a record matching any is delivered (default: every record). */
  filters?: EventPattern[];
  /** Halve a batch that failed as a whole before retrying it (default true). */
  bisectOnError?: boolean;
  /** Records older than this go to `onFailure` undelivered (default: no limit). */
  maxRecordAgeMs?: number;
  /** First retry delay, doubled per retry up to 2 s (default 100 ms). */
  retryBaseMs?: number;
  /** The failure destination (default: the records are logged and skipped). */
  onFailure?: (failure: StreamFailure) => void | Promise<void>;
  log?: (line: string) => void;
}

export interface StreamTrigger {
  /** Resolves once every record written before the call has been handed to the handler (tests). */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStreamTrigger(opts: StreamTriggerOptions): Promise<StreamTrigger> {
  const table = await opts.dynamodb.send(new DescribeTableCommand({ TableName: opts.table }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table "${opts.table}" has no stream; declare one in its TableDef`);
  const streams = new DynamoDBStreamsClient({ region: 'local', endpoint: opts.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const batchSize = opts.batchSize ?? 100;
  const pollMs = opts.pollIntervalMs ?? 250;
  const maxRetries = opts.maxRetries ?? 5;
  const iterators = new Map<string, string | undefined>();
  let stopped = false;
  let idle: Array<() => void> = [];

  const refreshShards = async () => {
    const desc = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of desc.StreamDescription?.Shards ?? []) {
      if (!shard.ShardId || iterators.has(shard.ShardId)) continue;
      // Records written before the trigger started are handled too (as a mapping at TRIM_HORIZON).
      const it = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
      iterators.set(shard.ShardId, it.ShardIterator);
    }
  };

  const bisect = opts.bisectOnError ?? true;
  const retryBaseMs = opts.retryBaseMs ?? 100;
  const filters = opts.filters ?? [];
  filters.forEach((f) => validatePattern(f));
  const wanted = (r: _Record) => filters.length === 0 || filters.some((f) => matches(f, r));

  const giveUp = async (shardId: string, records: StreamRecord[], condition: StreamFailure['requestContext']['condition'], invokes: number, error?: string) => {
    const arrival = (r: StreamRecord) => r.dynamodb?.ApproximateCreationDateTime?.toISOString();
    const failure: StreamFailure = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: { condition, approximateInvokeCount: invokes },
      responseContext: error ? { functionError: error } : {},
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: records[0]!.dynamodb?.SequenceNumber ?? '',
        endSequenceNumber: records[records.length - 1]!.dynamodb?.SequenceNumber ?? '',
        approximateArrivalOfFirstRecord: arrival(records[0]!),
        approximateArrivalOfLastRecord: arrival(records[records.length - 1]!),
        batchSize: records.length,
        streamArn,
      },
      records,
    };
    opts.log?.(`stream batch of ${records.length} given up (${condition}, ${invokes} invocations)${error ? `: ${error}` : ''}`);
    await opts.onFailure?.(failure);
  };

  /** Where the batch must be retried from: its length when it all succeeded, 0 when it failed as a whole. */
  const failedFrom = (batch: StreamRecord[], out: unknown): number => {
    const failures = (out as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
    if (failures === undefined || failures === null) return batch.length;
    if (!Array.isArray(failures)) throw new Error('batchItemFailures is not a list');
    if (failures.length === 0) return batch.length;
    const ids = new Set(failures.map((f) => (f as { itemIdentifier?: unknown } | null)?.itemIdentifier));
    const at = batch.findIndex((r) => ids.has(r.dynamodb?.SequenceNumber));
    // Lambda treats an identifier it cannot place as a failure of the whole batch.
    if (at < 0 || [...ids].some((id) => typeof id !== 'string' || id === '' || !batch.some((r) => r.dynamodb?.SequenceNumber === id))) {
      throw new Error(`batchItemFailures names no record of this batch: ${JSON.stringify(failures)}`);
    }
    return at;
  };

  const run = async (shardId: string, batch: StreamRecord[], attempt: number): Promise<void> => {
    let from: number;
    let error: string;
    let whole = false;
    try {
      from = failedFrom(batch, await opts.invoke({ Records: batch }));
      if (from >= batch.length) return;
      error = `partial batch failure from ${batch[from]!.dynamodb?.SequenceNumber}`;
    } catch (e) {
      from = 0;
      whole = true;
      error = (e as Error).message;
    }
    const rest = batch.slice(from);
    if (attempt >= maxRetries) return giveUp(shardId, rest, 'RetryAttemptsExhausted', attempt + 1, error);
    await new Promise((r) => setTimeout(r, Math.min(retryBaseMs * 2 ** attempt, 2000)));
    if (whole && bisect && rest.length > 1) {
      const half = Math.ceil(rest.length / 2);
      await run(shardId, rest.slice(0, half), attempt + 1);
      await run(shardId, rest.slice(half), attempt + 1);
      return;
    }
    await run(shardId, rest, attempt + 1);
  };

  const deliver = async (shardId: string, records: _Record[]) => {
    const all = records.filter(wanted).map((r) => ({ ...r, eventSourceARN: streamArn }));
    if (all.length === 0) return;
    const oldest = opts.maxRecordAgeMs === undefined ? undefined : Date.now() - opts.maxRecordAgeMs;
    const tooOld = (r: StreamRecord) => oldest !== undefined && (r.dynamodb?.ApproximateCreationDateTime?.getTime() ?? Infinity) < oldest;
    const aged = all.filter(tooOld);
    if (aged.length > 0) await giveUp(shardId, aged, 'RecordAgeExceeded', 0);
    const fresh = all.filter((r) => !tooOld(r));
    if (fresh.length > 0) await run(shardId, fresh, 0);
  };

  const pollOnce = async (): Promise<boolean> => {
    await refreshShards();
    let any = false;
    for (const [shardId, iterator] of iterators) {
      if (!iterator) continue;
      const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }));
      iterators.set(shardId, out.NextShardIterator);
      if (out.Records?.length) {
        any = true;
        await deliver(shardId, out.Records);
      }
    }
    return any;
  };

  const loop = (async () => {
    while (!stopped) {
      let busy = false;
      try {
        busy = await pollOnce();
      } catch (e) {
        if (!stopped) opts.log?.(`stream poll failed: ${(e as Error).message}`);
      }
      if (!busy) {
        for (const w of idle) w();
        idle = [];
        await new Promise((r) => setTimeout(r, pollMs));
      }
    }
  })();

  return {
    drain: () =>
      new Promise<void>((resolve) => {
        // Two idle rounds: the first may have started before the caller's last write.
        let rounds = 0;
        const wait = () => {
          idle.push(() => (++rounds >= 2 ? resolve() : wait()));
        };
        wait();
      }),
    async stop() {
      stopped = true;
      await loop;
      for (const w of idle) w();
      streams.destroy();
    },
  };
}
