import { basename, dirname, resolve } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { WiringError } from '../wiring/discover.ts';
import { MAX_STREAM_FILTERS, STREAM_DELIVERY } from '../wiring/stream-delivery.ts';
import type { ApiDefinition, EnvValue } from '../wiring/types.ts';
import type { ApiResources } from './api-resources.ts';
import { appSyncName } from './data-sources.ts';
import { grantHandler } from './grants.ts';
import { LambdaHandler } from './lambda-handler.ts';
import { acknowledge } from './nag.ts';

/** A stream handler as deployed: its function and the queue its given-up batches go to. */
export interface StreamHandler extends LambdaHandler {
  readonly failureQueue: Queue;
}

/**
 * `ApiDefinition.streamHandlers` in AWS: one function per declaration with the grants it names,
 * fed by its table's stream from the oldest record, with the semantics the local stream trigger
 * emulates (infra/wiring/stream-delivery.ts): the declared filters, partial batch responses, a
 * failing batch halved and retried, and after the retries (or past the maximum record age) an
 * on-failure record in the handler's own failure queue. That record names the shard and the
 * sequence-number range; the records stay readable in the stream for the rest of its 24 hours
 * (infra/aws/README.md "Stream delivery").
 */
export function createStreamHandlers(scope: Construct, props: { definition: ApiDefinition; resources: ApiResources; envValue: (v: EnvValue) => string }): StreamHandler[] {
  const def = props.definition;
  return (def.streamHandlers ?? []).map((h) => {
    if (!def.tables[h.table]?.stream) throw new WiringError(`${def.name}: stream handler ${h.handler} names table "${h.table}", which declares no stream`);
    if ((h.filters?.length ?? 0) > MAX_STREAM_FILTERS) throw new WiringError(`${def.name}: stream handler ${h.handler} declares ${h.filters!.length} filters; Lambda allows ${MAX_STREAM_FILTERS}`);
    const name = appSyncName(`${h.table}_${basename(dirname(h.handler))}`);
    const handler = new LambdaHandler(scope, `StreamHandler_${name}`, {
      entry: resolve(def.root, h.handler),
      description: h.description ?? `${def.name} stream handler on ${h.table}`,
      environment: Object.fromEntries(Object.entries(h.environment ?? {}).map(([k, v]) => [k, props.envValue(v)])),
    });
    grantHandler(handler, h.grants, def, props.resources);
    const failureQueue = new Queue(handler, 'FailureQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      failureQueue,
      'SQS3',
      'This queue is itself the failure destination of the stream mapping (on-failure records for an operator, alarmed on depth and age); nothing consumes it automatically, so it needs no dead-letter queue of its own.',
    );
    handler.fn.addEventSource(
      new DynamoEventSource(props.resources.tables[h.table]!, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: h.batchSize ?? 100,
        filters: (h.filters ?? []).map((f) => FilterCriteria.filter(f)),
        reportBatchItemFailures: true,
        bisectBatchOnError: STREAM_DELIVERY.bisectBatchOnError,
        retryAttempts: STREAM_DELIVERY.retryAttempts,
        maxRecordAge: Duration.seconds(STREAM_DELIVERY.maxRecordAgeSeconds),
        onFailure: new SqsDlq(failureQueue),
      }),
    );
    // The mapping's stream read: dynamodb:ListStreams takes no resource ARN (the rest name this stream).
    const defaultPolicy = handler.role.node.tryFindChild('DefaultPolicy');
    if (defaultPolicy) {
      acknowledge(
        defaultPolicy,
        'IAM5',
        'dynamodb:ListStreams, granted by the stream event source, accepts no resource ARN; every other statement names this table, its stream or a queue.',
        'Resource::*',
      );
    }
    return Object.assign(handler, { failureQueue });
  });
}
