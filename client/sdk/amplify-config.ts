/**
 * Where a client finds the API: the Amplify configuration the local runtime writes
 * (`<dataDir>/amplify-config.json`), or the CDK stack's outputs (`cdk deploy --outputs-file`,
 * see infra/aws/README.md). Both become one Amplify v6 `ResourcesConfig`. No Node modules here, so
 * browsers use it too; reading the files from disk is config.ts.
 */
import type { ResourcesConfig } from 'aws-amplify';

/** The stack outputs the client needs (names as in infra/aws/README.md). */
export interface CdkOutputs {
  GraphQLUrl: string;
  Region: string;
  UserPoolId: string;
  UserPoolClientId: string;
  RealtimeUrl?: string;
}

export interface ClientConfig {
  /** What Amplify is configured with. */
  amplify: ResourcesConfig;
  /** The local runtime's TLS CA (wss:// needs it trusted: NODE_EXTRA_CA_CERTS), when known. */
  caCertPath?: string;
  /** True when the user pool is the local issuer (Amplify's `userPoolEndpoint` points at it). */
  local: boolean;
}

/** A CDK outputs object: `{ StackName: { GraphQLUrl, ... } }` (the outputs file) or the outputs themselves. */
export function fromCdkOutputs(outputs: Record<string, unknown>, stackName?: string): ClientConfig {
  const stack = pickStack(outputs, stackName);
  for (const key of ['GraphQLUrl', 'Region', 'UserPoolId', 'UserPoolClientId'] as const) {
    if (typeof stack[key] !== 'string' || !stack[key]) throw new Error(`CDK outputs lack ${key}`);
  }
  return {
    amplify: {
      Auth: { Cognito: { userPoolId: stack.UserPoolId, userPoolClientId: stack.UserPoolClientId, loginWith: { email: true } } },
      API: { GraphQL: { endpoint: stack.GraphQLUrl, region: stack.Region, defaultAuthMode: 'userPool' } },
    },
    local: false,
  };
}

/** One stack's outputs from an outputs file (or the outputs themselves). */
export function pickStack(outputs: Record<string, unknown>, stackName?: string): CdkOutputs {
  if ('GraphQLUrl' in outputs) return outputs as unknown as CdkOutputs;
  const names = Object.keys(outputs).filter((k) => typeof outputs[k] === 'object' && outputs[k] && 'GraphQLUrl' in (outputs[k] as object));
  const name = stackName ?? (names.length === 1 ? names[0] : undefined);
  if (!name || !names.includes(name)) {
    throw new Error(names.length ? `CDK outputs hold stacks ${names.join(', ')}: name one` : 'not CDK outputs: no stack with a GraphQLUrl output');
  }
  return outputs[name] as CdkOutputs;
}

/** An Amplify `ResourcesConfig` as the local runtime writes it. */
export function fromAmplifyConfig(config: Record<string, unknown>, caCertPath?: string): ClientConfig {
  const amplify = config as ResourcesConfig;
  if (!amplify.API?.GraphQL?.endpoint) throw new Error('Amplify configuration has no API.GraphQL.endpoint');
  return { amplify, caCertPath, local: Boolean(amplify.Auth?.Cognito?.userPoolEndpoint) };
}

/** The same configuration pointed at another endpoint (a proxy in tests, a custom domain). */
export function withEndpoint(config: ClientConfig, endpoint: string): ClientConfig {
  const gql = config.amplify.API!.GraphQL!;
  return { ...config, amplify: { ...config.amplify, API: { ...config.amplify.API, GraphQL: { ...gql, endpoint } } } };
}
