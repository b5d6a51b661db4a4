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
import { startStreamHandlers, type StreamHandlers } from '../../infra/local/services/stream-handlers.ts';
import { ensureTables } from '../../infra/local/services/tables.ts';
import { discoverResolvers } from '../../infra/wiring/discover.ts';

export interface ResolverHarness {
  dynamo: DynamoDbLocal;
  run(field: string, sub: string | null, args: Record<string, unknown>): Promise<InvocationResult>;
  /** Waits until the member-index stream handler (resolvers/handlers/members) has seen every write so far. */
  indexed(): Promise<void>;
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
    // Only the member index follows the stream here (no S3 or bus for the other handlers).
    const members = (api.streamHandlers ?? []).filter((d) => d.handler.includes('/members/'));
    // DynamoDB Local with -sharedDb takes any credentials; the SDK still wants some, and a region.
    const lambdaEnvironment = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
    const streams: StreamHandlers = await startStreamHandlers({ api: { ...api, streamHandlers: members }, dynamo, tableName, resolveEnv, lambdaEnvironment, log: () => {} });
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
      indexed: () => streams.drain(),
      stop: async () => {
        await streams.stop();
        await dynamo.stop();
      },
    };
  } catch (e) {
    await dynamo.stop();
    throw e;
  }
}
