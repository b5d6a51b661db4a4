/**
 * The runtime's side of `ApiDefinition.streamHandlers`: each handler module runs as a Lambda
 * (in this process, like Lambda data sources) fed by its table's DynamoDB Local stream.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ApiDefinition, EnvValue } from '../../wiring/types.ts';
import { createLambdaDataSource, resolveHandlerPath } from '../datasources/lambda.ts';
import { startStreamTrigger, type StreamTrigger } from './stream-trigger.ts';

export interface StreamHandlers {
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStreamHandlers(opts: {
  api: ApiDefinition;
  dynamo: { endpoint: string; client: DynamoDBClient };
  tableName: (key: string) => string;
  resolveEnv: (v: EnvValue) => string;
  lambdaEnvironment?: Record<string, string>;
  log: (line: string) => void;
}): Promise<StreamHandlers> {
  const triggers: StreamTrigger[] = [];
  const stop = async () => {
    for (const t of triggers.splice(0)) await t.stop();
  };
  try {
    for (const [i, def] of (opts.api.streamHandlers ?? []).entries()) {
      const name = `stream-${def.table}-${i}`;
      const fn = createLambdaDataSource({
        name,
        modulePath: resolveHandlerPath(opts.api.root, def.handler),
        // The SDK finds DynamoDB Local the way it finds the local S3: a standard endpoint variable.
        environment: {
          ...opts.lambdaEnvironment,
          AWS_ENDPOINT_URL_DYNAMODB: opts.dynamo.endpoint,
          ...Object.fromEntries(Object.entries(def.environment ?? {}).map(([k, v]) => [k, opts.resolveEnv(v)])),
        },
        timeoutMs: 60_000,
        log: opts.log,
      });
      const log = (l: string) => opts.log(`[${name}] ${l}`);
      triggers.push(
        await startStreamTrigger({
          dynamodb: opts.dynamo.client,
          endpoint: opts.dynamo.endpoint,
          table: opts.tableName(def.table),
          batchSize: def.batchSize,
          log,
          invoke: async (event) => {
            const out = await fn.invoke({ operation: 'Invoke', payload: event }, { invocation: {} as never, stash: {}, prevResult: null });
            // A failed invocation retries the batch, as Lambda's event source mapping does.
            if (out.error) {
              log(`batch failed: ${out.error.message}`);
              throw new Error(out.error.message);
            }
          },
        }),
      );
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { drain: async () => void (await Promise.all(triggers.map((t) => t.drain()))), stop };
}
