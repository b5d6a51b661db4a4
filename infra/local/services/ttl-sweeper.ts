import { ConditionalCheckFailedException, DeleteItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TableDef } from '../../wiring/types.ts';

/**
 * DynamoDB Local accepts a TTL setting but never expires anything, so the runtime does what the
 * TTL service does in AWS: delete items whose TTL attribute (a Number of epoch seconds) is in the
 * past. AWS ignores values more than five years in the past, and so do we. Like AWS, deletion is
 * lazy (every `intervalMs`); readers that care must still filter expired items themselves.
 */
export interface TtlSweeper {
  /** One pass over every table with a TTL attribute; resolves to the number of items deleted. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

const FIVE_YEARS_S = 5 * 365 * 24 * 3600;

export function startTtlSweeper(
  client: DynamoDBClient,
  tables: Record<string, TableDef>,
  nameOf: (key: string) => string,
  opts: { intervalMs?: number; log?: (line: string) => void; now?: () => number } = {},
): TtlSweeper {
  const targets = Object.entries(tables)
    .filter(([, def]) => def.timeToLiveAttribute)
    .map(([key, def]) => ({ name: nameOf(key), def, ttl: def.timeToLiveAttribute as string }));
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  let running: Promise<number> | undefined;
  let stopped = false;

  const sweepTable = async (name: string, def: TableDef, ttl: string): Promise<number> => {
    const t = now();
    const keyNames = [def.partitionKey.name, ...(def.sortKey ? [def.sortKey.name] : [])];
    const names: Record<string, string> = { '#ttl': ttl };
    keyNames.forEach((k, i) => (names[`#k${i}`] = k));
    const values = { ':now': { N: String(t) }, ':floor': { N: String(t - FIVE_YEARS_S) } };
    let deleted = 0;
    let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: name,
          FilterExpression: '#ttl BETWEEN :floor AND :now',
          ProjectionExpression: keyNames.map((_, i) => `#k${i}`).join(', '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ExclusiveStartKey: start,
        }),
      );
      for (const key of page.Items ?? []) {
        try {
          // Re-check at delete time: the item may have been renewed since the scan.
          await client.send(
            new DeleteItemCommand({
              TableName: name,
              Key: key,
              ConditionExpression: '#ttl BETWEEN :floor AND :now',
              ExpressionAttributeNames: { '#ttl': ttl },
              ExpressionAttributeValues: values,
            }),
          );
          deleted++;
        } catch (e) {
          if (!(e instanceof ConditionalCheckFailedException)) throw e;
        }
      }
      start = page.LastEvaluatedKey;
    } while (start && !stopped);
    return deleted;
  };

  const sweep = (): Promise<number> => {
    running ??= (async () => {
      try {
        let total = 0;
        for (const { name, def, ttl } of targets) total += await sweepTable(name, def, ttl);
        return total;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped || targets.length === 0) return;
    timer = setTimeout(() => {
      sweep()
        .then((n) => n > 0 && opts.log?.(`TTL: deleted ${n} expired item(s)`))
        .catch((e: unknown) => opts.log?.(`TTL sweep failed: ${(e as Error).message}`))
        .finally(schedule);
    }, opts.intervalMs ?? 60_000);
    timer.unref();
  };
  schedule();

  return {
    sweep,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => 0);
    },
  };
}
