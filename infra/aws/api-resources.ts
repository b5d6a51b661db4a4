import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { WiringError } from '../wiring/discover.ts';
import type { ApiDefinition, EnvValue } from '../wiring/types.ts';

/** The deployed resources an ApiDefinition's keys refer to (DataStores builds them). */
export interface ApiResources {
  tables: Record<string, ITable>;
  buckets: Record<string, IBucket>;
  buses: Record<string, IEventBus>;
}

/** Turns an EnvValue into the deployed name (a CloudFormation token) of what it refers to. */
export function envResolver(resources: ApiResources): (v: EnvValue) => string {
  return (v) => {
    if (typeof v === 'string') return v;
    if ('tableName' in v) return resources.tables[v.tableName]!.tableName;
    if ('bucketName' in v) return resources.buckets[v.bucketName]!.bucketName;
    return resources.buses[v.busName]!.eventBusName;
  };
}

/** The resources given must cover every table, bucket and bus the definition declares. */
export function checkResources(def: ApiDefinition, resources: ApiResources): void {
  for (const kind of ['tables', 'buckets', 'buses'] as const) {
    for (const key of Object.keys(def[kind] ?? {})) {
      if (!Object.hasOwn(resources[kind], key)) throw new WiringError(`${def.name}: declared ${kind} "${key}" has no deployed resource`);
    }
  }
}
