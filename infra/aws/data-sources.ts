import { resolve } from 'node:path';
import { DynamoDbDataSource, type BaseDataSource, type GraphqlApi } from 'aws-cdk-lib/aws-appsync';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { ApiDefinition, EnvValue } from '../wiring/types.ts';
import type { ApiResources } from './api-resources.ts';
import { grantHandler, grantItems, INDEX_REASON } from './grants.ts';
import { LambdaHandler } from './lambda-handler.ts';
import { acknowledge, arnWildcardFinding } from './nag.ts';

export interface DataSourcesProps {
  definition: ApiDefinition;
  api: GraphqlApi;
  resources: ApiResources;
  envValue: (v: EnvValue) => string;
}

/** AppSync names data sources with letters, digits and `_`; declaration keys may also hold `-`. */
export const appSyncName = (key: string): string => key.replace(/-/g, '_');

/** One AppSync data source per declaration, each with a role scoped to what it names. */
export function createDataSources(scope: Construct, props: DataSourcesProps): { dataSources: Record<string, BaseDataSource>; handlers: Record<string, LambdaHandler> } {
  const { definition: def, api, resources } = props;
  const dataSources: Record<string, BaseDataSource> = {};
  const handlers: Record<string, LambdaHandler> = {};
  for (const [key, ds] of Object.entries(def.dataSources)) {
    const name = appSyncName(key);
    const options = { name, description: ds.description };
    switch (ds.kind) {
      case 'NONE':
        dataSources[key] = api.addNoneDataSource(`DataSource_${name}`, options);
        break;
      case 'DYNAMODB': {
        const table = resources.tables[ds.table]!;
        if (ds.grant) {
          // The data source would grant CDK's whole read/write set to its role; it gets an immutable
          // view of the role instead, and the role gets exactly the declared actions.
          const role = new Role(scope, `DataSourceRole_${name}`, { assumedBy: new ServicePrincipal('appsync.amazonaws.com') });
          dataSources[key] = new DynamoDbDataSource(api, `DataSource_${name}`, { api, table, ...options, serviceRole: role.withoutPolicyUpdates() });
          grantItems(role, { table: ds.table, ...ds.grant }, def, resources);
          break;
        }
        const source = api.addDynamoDbDataSource(`DataSource_${name}`, table, options);
        if (def.tables[ds.table]?.globalSecondaryIndexes?.length) {
          acknowledge(source, 'IAM5', INDEX_REASON, arnWildcardFinding(table, '/index/*'));
        }
        dataSources[key] = source;
        break;
      }
      case 'EVENTBRIDGE':
        dataSources[key] = api.addEventBridgeDataSource(`DataSource_${name}`, resources.buses[ds.bus]!, options);
        break;
      case 'HTTP':
        dataSources[key] = api.addHttpDataSource(`DataSource_${name}`, ds.endpoint, options);
        break;
      case 'LAMBDA': {
        const handler = new LambdaHandler(scope, `Handler_${name}`, {
          entry: resolve(def.root, ds.handler),
          description: ds.description ?? `${def.name} data source ${key}`,
          environment: Object.fromEntries(Object.entries(ds.environment ?? {}).map(([k, v]) => [k, props.envValue(v)])),
        });
        grantHandler(handler, ds.grants, def, resources);
        const source = api.addLambdaDataSource(`DataSource_${name}`, handler.fn, options);
        acknowledge(source, 'IAM5', 'AppSync may invoke any version or alias of this one function; the wildcard is the qualifier.', arnWildcardFinding(handler.fn, ':*'));
        handlers[key] = handler;
        dataSources[key] = source;
        break;
      }
    }
  }
  return { dataSources, handlers };
}
