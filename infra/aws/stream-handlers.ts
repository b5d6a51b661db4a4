import { basename, dirname, resolve } from 'node:path';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { WiringError } from '../wiring/discover.ts';
import type { ApiDefinition, EnvValue } from '../wiring/types.ts';
import type { ApiResources } from './appsync-api.ts';
import { appSyncName, grantHandler } from './data-sources.ts';
import { LambdaHandler } from './lambda-handler.ts';

/**
 * `ApiDefinition.streamHandlers` in AWS: one function per declaration with the grants it names,
 * fed by its table's stream (from the oldest record; a failing batch is halved and retried, then
 * skipped, as the local stream trigger does).
 */
export function createStreamHandlers(
  scope: Construct,
  props: { definition: ApiDefinition; resources: ApiResources; envValue: (v: EnvValue) => string },
): LambdaHandler[] {
  const def = props.definition;
  return (def.streamHandlers ?? []).map((h) => {
    if (!def.tables[h.table]?.stream) throw new WiringError(`${def.name}: stream handler ${h.handler} names table "${h.table}", which declares no stream`);
    const name = appSyncName(`${h.table}_${basename(dirname(h.handler))}`);
    const handler = new LambdaHandler(scope, `StreamHandler_${name}`, {
      entry: resolve(def.root, h.handler),
      description: h.description ?? `${def.name} stream handler on ${h.table}`,
      environment: Object.fromEntries(Object.entries(h.environment ?? {}).map(([k, v]) => [k, props.envValue(v)])),
    });
    grantHandler(handler, h.grants, def, props.resources);
    handler.fn.addEventSource(
      new DynamoEventSource(props.resources.tables[h.table]!, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: h.batchSize ?? 100,
        bisectBatchOnError: true,
        retryAttempts: 5,
      }),
    );
    return handler;
  });
}
