/**
 * The runtime's side of `ApiDefinition.streamHandlers`: each handler is a function of the local
 * Lambda service (services/lambda), invoked with Lambda's DynamoDB Streams event `{ Records }` from
 * its table's DynamoDB Local stream, with the
 * event source mapping's filters, partial batch responses, retries and record age
 * (infra/wiring/stream-delivery.ts). What is given up lands in the handler's failure queue,
 * `<dataDir>/queues/stream-failures/<handler folder>/` (AWS: its on-failure SQS destination).
 */
import { basename, dirname, join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STREAM_DELIVERY } from '../../wiring/stream-delivery.ts';
import type { ApiDefinition, EnvValue } from '../../wiring/types.ts';
import { LocalLambda } from './lambda/service.ts';
import { LocalQueue } from './queue.ts';
import { startStreamTrigger, type StreamTrigger } from './stream-trigger.ts';

export interface StreamHandlers {
  /** Each handler's failure destination, by its folder name (`snapshot`, `notify`, ...). */
  failureQueues: Record<string, LocalQueue>;
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStreamHandlers(opts: {
  api: ApiDefinition;
  dynamo: { endpoint: string; client: DynamoDBClient };
  tableName: (key: string) => string;
  /** The Lambda service the handlers run in (the runtime's); without one, one is made from `resolveEnv` and `lambdaEnvironment`. */
  lambda?: LocalLambda;
  resolveEnv: (v: EnvValue) => string;
  lambdaEnvironment?: Record<string, string>;
  /** Where the failure queues live (without one, given-up records are only logged). */
  dataDir?: string;
  /** First retry delay (tests make it short). */
  retryBaseMs?: number;
  log: (line: string) => void;
}): Promise<StreamHandlers> {
  const triggers: StreamTrigger[] = [];
  const failureQueues: Record<string, LocalQueue> = {};
  const stop = async () => {
    for (const t of triggers.splice(0)) await t.stop();
  };
  const lambda =
    opts.lambda ??
    new LocalLambda({
      root: opts.api.root,
      resolveEnv: opts.resolveEnv,
      // The SDK finds DynamoDB Local the way it finds the local S3: a standard endpoint variable.
      environment: { ...opts.lambdaEnvironment, AWS_ENDPOINT_URL_DYNAMODB: opts.dynamo.endpoint },
      log: opts.log,
    });
  try {
    for (const [i, def] of (opts.api.streamHandlers ?? []).entries()) {
      const name = `stream-${def.table}-${i}`;
      const fn = lambda.define(name, { handler: def.handler, environment: def.environment, timeoutMs: 60_000 });
      const log = (l: string) => opts.log(`[${name}] ${l}`);
      const folder = basename(dirname(def.handler));
      const dataDir = opts.dataDir;
      const failures = dataDir ? (failureQueues[folder] ??= new LocalQueue(`stream-failures-${folder}`, join(dataDir, 'queues', 'stream-failures', folder))) : undefined;
      triggers.push(
        await startStreamTrigger({
          dynamodb: opts.dynamo.client,
          endpoint: opts.dynamo.endpoint,
          table: opts.tableName(def.table),
          batchSize: def.batchSize,
          filters: def.filters,
          maxRetries: STREAM_DELIVERY.retryAttempts,
          bisectOnError: STREAM_DELIVERY.bisectBatchOnError,
          maxRecordAgeMs: STREAM_DELIVERY.maxRecordAgeSeconds * 1000,
          retryBaseMs: opts.retryBaseMs,
          onFailure: failures && ((f) => void failures.send(JSON.stringify(f))),
          log,
          invoke: async (event) => {
            const out = await fn.invoke(event);
            // A failed invocation retries the batch, as Lambda's event source mapping does.
            if (out.error) {
              log(`batch failed: ${out.error.message}`);
              throw new Error(out.error.message);
            }
            // The partial batch response, read by the trigger.
            return out.result;
          },
        }),
      );
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { failureQueues, drain: async () => void (await Promise.all(triggers.map((t) => t.drain()))), stop };
}
