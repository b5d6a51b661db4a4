/**
 * Test harness: runs craft-sync's bundled resolvers through the local runtime's APPSYNC_JS executor
 * against a real DynamoDB Local, without HTTP. The end-to-end suites (test/e2e) add the transport.
 */
import { api } from '../../infra/api.ts';
import { createResolverExecutor, type ResolverExecutor } from '../../infra/local/appsync-js/executor.ts';
import type { CognitoIdentity, InvocationResult } from '../../infra/local/appsync-js/types.ts';
import { createDataSources } from '../../infra/local/datasources/index.ts';
import { LocalEventBus } from '../../infra/local/services/event-bus.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../infra/local/services/dynamodb-local.ts';
import { ensureTables } from '../../infra/local/services/tables.ts';
import { discoverResolvers } from '../../infra/wiring/discover.ts';

export interface ResolverHarness {
  dynamo: DynamoDbLocal;
  run(field: string, sub: string | null, args: Record<string, unknown>): Promise<InvocationResult>;
  stop(): Promise<void>;
}

export function cognito(sub: string): CognitoIdentity {
  return { sub, issuer: 'test', username: sub, claims: { sub }, sourceIp: ['127.0.0.1'], defaultAuthStrategy: 'ALLOW', groups: null };
}

export async function startResolverHarness(): Promise<ResolverHarness> {
  const dynamo = await startDynamoDbLocal({});
  try {
    const tableName = (key: string) => key;
    await ensureTables(dynamo.client, api.tables, tableName);
    const resolveEnv = () => 'files';
    const dataSources = createDataSources(api, { dynamodb: dynamo.client, tableName, bus: new LocalEventBus({ log: () => {} }), resolveEnv });
    const executor: ResolverExecutor = await createResolverExecutor({ wiring: discoverResolvers(api), dataSources, log: () => {} });
    return {
      dynamo,
      run(field, sub, args) {
        const [typeName, fieldName] = field.split('.') as [string, string];
        return executor.run(typeName, fieldName, {
          arguments: args,
          source: null,
          identity: sub ? cognito(sub) : null,
          request: { headers: {}, domainName: null },
          info: { fieldName, parentTypeName: typeName, variables: {}, selectionSetList: [], selectionSetGraphQL: '' },
          env: { FILES_TABLE: 'files' },
        });
      },
      stop: () => dynamo.stop(),
    };
  } catch (e) {
    await dynamo.stop();
    throw e;
  }
}
