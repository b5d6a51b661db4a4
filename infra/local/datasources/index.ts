import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DataSource } from '../appsync-js/types.ts';
import type { ApiDefinition, EnvValue } from '../../wiring/types.ts';
import type { LocalEventBus } from '../services/event-bus.ts';
import { createDynamoDbDataSource } from './dynamodb.ts';
import { createEventBridgeDataSource } from './eventbridge.ts';
import { createLambdaDataSource } from './lambda.ts';
import { LocalLambda } from '../services/lambda/service.ts';
import { createNoneDataSource } from './none.ts';
import { createHttpDataSource } from './http.ts';

export interface DataSourceDeps {
  dynamodb: DynamoDBClient;
  /** A declared table key → its real (local) table name. */
  tableName: (key: string) => string;
  bus: LocalEventBus;
  resolveEnv: (v: EnvValue) => string;
  /** The local Lambda service LAMBDA data sources invoke their functions through (the runtime's). */
  lambda?: LocalLambda;
  /** Without `lambda`: what a service made here gives every function (region, credentials, local endpoints); declared variables win. */
  lambdaEnvironment?: Record<string, string>;
  /** HTTP data source name → the endpoint to call locally instead of the declared one (a loopback stand-in). */
  httpEndpoints?: Record<string, string>;
  log?: (line: string) => void;
}

/** Every declared data source, by name, as the resolver executor calls them. */
export function createDataSources(def: ApiDefinition, deps: DataSourceDeps): Record<string, DataSource> {
  // Batch and transaction requests name tables themselves: a declared key, or the table's fixed
  // name in AWS (`deployedName`, so code written against the deployed stack runs as is), maps to
  // its local name; anything else (e.g. a local name taken from ctx.env) is used verbatim.
  const byDeployedName = new Map(Object.entries(def.tables).flatMap(([key, t]) => (t.deployedName ? [[t.deployedName, key] as const] : [])));
  const resolveTable = (name: string) => {
    if (Object.hasOwn(def.tables, name)) return deps.tableName(name);
    const key = byDeployedName.get(name);
    return key === undefined ? name : deps.tableName(key);
  };

  const lambda = deps.lambda ?? new LocalLambda({ root: def.root, resolveEnv: deps.resolveEnv, environment: deps.lambdaEnvironment, log: deps.log });
  const out: Record<string, DataSource> = {};
  for (const [name, ds] of Object.entries(def.dataSources)) {
    switch (ds.kind) {
      case 'NONE':
        out[name] = createNoneDataSource(name);
        break;
      case 'DYNAMODB':
        out[name] = createDynamoDbDataSource({ name, client: deps.dynamodb, table: deps.tableName(ds.table), resolveTable });
        break;
      case 'LAMBDA':
        out[name] = createLambdaDataSource(lambda.define(name, { handler: ds.handler, environment: ds.environment }));
        break;
      case 'EVENTBRIDGE':
        out[name] = createEventBridgeDataSource(name, deps.bus, deps.resolveEnv({ busName: ds.bus }));
        break;
      case 'HTTP':
        out[name] = createHttpDataSource({ name, endpoint: deps.httpEndpoints?.[name] ?? ds.endpoint });
        break;
    }
  }
  return out;
}
