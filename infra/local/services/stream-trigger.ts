/**
 * A DynamoDB stream event source, as Lambda's event source mapping runs one: polls every shard of a
 * table's stream (DynamoDB Local's here), and hands batches of records to a handler in Lambda's
 * event shape (`{ Records: [...] }` with `eventSourceARN`). A failing batch is retried, in order,
 * with backoff — later records of that shard wait, as with Lambda — and skipped after
 * `maxRetries` (logged), as a mapping with a retry limit does.
 */
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface StreamTriggerOptions {
  dynamodb: DynamoDBClient;
  endpoint: string;
  table: string;
  invoke: (event: { Records: Array<_Record & { eventSourceARN: string }> }) => Promise<void>;
  batchSize?: number;
  pollIntervalMs?: number;
  maxRetries?: number;
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

  const deliver = async (records: _Record[]) => {
    const event = { Records: records.map((r) => ({ ...r, eventSourceARN: streamArn })) };
    for (let attempt = 0; ; attempt++) {
      try {
        await opts.invoke(event);
        return;
      } catch (e) {
        if (attempt >= maxRetries) {
          opts.log?.(`stream batch of ${records.length} dropped after ${attempt + 1} attempts: ${(e as Error).message}`);
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2000)));
      }
    }
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
        await deliver(out.Records);
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
