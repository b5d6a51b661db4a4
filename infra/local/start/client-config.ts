/**
 * The client-config writer: what a client needs to reach a started local stack, as files in its
 * data directory — an Amplify v6 `ResourcesConfig` (`amplify-config.json`), the same as an Amplify
 * Gen 2 `amplify_outputs.json` (client/sdk/amplify-outputs.ts: the issuer's endpoint in `custom`),
 * and `runtime.json` (pid and endpoints, which the dev-user commands read to find the stack).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toAmplifyOutputs, type AppSyncAuthType } from '../../../client/sdk/amplify-outputs.ts';
import type { ApiDefinition } from '../../wiring/types.ts';
import type { LocalCognito } from '../services/cognito.ts';

export interface ClientConfigInput {
  api: ApiDefinition;
  dataDir: string;
  region: string;
  graphqlUrl: string;
  realtimeUrl: string;
  caCertPath: string;
  apiKey?: string;
  cognito?: LocalCognito;
  /** Other endpoints recorded in runtime.json. */
  endpoints: { dynamodb: string; s3?: string; events?: string };
}

export interface ClientConfig {
  amplifyConfig: Record<string, unknown>;
  amplifyConfigPath: string;
  amplifyOutputs: Record<string, unknown>;
  amplifyOutputsPath: string;
}

/** The Amplify v6 configuration of the stack (also what the browser app gets as its config.json). */
function amplifyConfigFor(o: Pick<ClientConfigInput, 'api' | 'region' | 'graphqlUrl' | 'apiKey' | 'cognito'>): Record<string, unknown> {
  const { cognito } = o;
  return {
    API: {
      GraphQL: {
        endpoint: o.graphqlUrl,
        region: o.region,
        defaultAuthMode: authModeName(o.api.authentication.default),
        ...(o.apiKey ? { apiKey: o.apiKey } : {}),
      },
    },
    ...(cognito ? { Auth: { Cognito: { userPoolId: cognito.userPoolId, userPoolClientId: cognito.clientId, userPoolEndpoint: cognito.endpoint, loginWith: { email: true } } } } : {}),
  };
}

export function writeClientConfig(o: ClientConfigInput): ClientConfig {
  const { cognito } = o;
  const amplifyConfig = amplifyConfigFor(o);
  const amplifyConfigPath = join(o.dataDir, 'amplify-config.json');
  writeJson(amplifyConfigPath, amplifyConfig);
  // The same for Amplify Gen 2 clients (JS, Swift, Android, Flutter), the issuer's endpoint in `custom`.
  const amplifyOutputs = toAmplifyOutputs({
    region: o.region,
    graphqlUrl: o.graphqlUrl,
    userPool: cognito && { userPoolId: cognito.userPoolId, userPoolClientId: cognito.clientId },
    userPoolEndpoint: cognito?.endpoint,
    defaultAuthType: o.api.authentication.default as AppSyncAuthType,
    additionalAuthTypes: o.api.authentication.additional as AppSyncAuthType[] | undefined,
    apiKey: o.apiKey,
  });
  const amplifyOutputsPath = join(o.dataDir, 'amplify_outputs.json');
  writeJson(amplifyOutputsPath, amplifyOutputs);
  writeJson(join(o.dataDir, 'runtime.json'), {
    pid: process.pid,
    graphqlUrl: o.graphqlUrl,
    realtimeUrl: o.realtimeUrl,
    caCertPath: o.caCertPath,
    cognito: cognito && { endpoint: cognito.endpoint, userPoolId: cognito.userPoolId, clientId: cognito.clientId },
    dynamodb: o.endpoints.dynamodb,
    s3: o.endpoints.s3,
    events: o.endpoints.events,
  });
  return { amplifyConfig, amplifyConfigPath, amplifyOutputs: amplifyOutputs as unknown as Record<string, unknown>, amplifyOutputsPath };
}

const writeJson = (path: string, value: unknown) => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);

function authModeName(mode: string): string {
  return { AMAZON_COGNITO_USER_POOLS: 'userPool', API_KEY: 'apiKey', AWS_IAM: 'iam' }[mode] ?? 'userPool';
}
