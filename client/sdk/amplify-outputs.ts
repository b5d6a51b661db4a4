/**
 * `amplify_outputs.json`, the configuration file of Amplify Gen 2 (what Amplify JS, Swift, Android and
 * Flutter configure from), for the local runtime and for a deployed stack. The format has no field for
 * a user-pool endpoint, and the local issuer is not at Cognito's address: that one override travels in
 * the file's free-form `custom` section (`custom.craft_sync.user_pool_endpoint`), and a client applies
 * it to Amplify's parsed configuration (`fromAmplifyOutputs` does). No Node modules: browsers use it too.
 */
import type { ResourcesConfig } from 'aws-amplify';
import { parseAmplifyConfig } from 'aws-amplify/utils';
import type { ClientConfig } from './amplify-config.ts';

export type AppSyncAuthType = 'AMAZON_COGNITO_USER_POOLS' | 'API_KEY' | 'AWS_IAM' | 'AWS_LAMBDA' | 'OPENID_CONNECT';

export interface AmplifyOutputsInput {
  region: string;
  /** Absent for an API without user-pool auth. */
  userPool?: { userPoolId: string; userPoolClientId: string };
  graphqlUrl: string;
  defaultAuthType: AppSyncAuthType;
  additionalAuthTypes?: AppSyncAuthType[];
  apiKey?: string;
  /** The local issuer's endpoint (the one local override); absent for Cognito itself. */
  userPoolEndpoint?: string;
}

export interface AmplifyOutputs {
  version: string;
  auth?: Record<string, unknown>;
  data: Record<string, unknown>;
  custom?: { craft_sync?: { user_pool_endpoint?: string } };
}

/** Cognito's default password policy, which both the local issuer and the CDK stack's pool use. */
const PASSWORD_POLICY = { min_length: 8, require_lowercase: true, require_uppercase: true, require_numbers: true, require_symbols: true };

export function toAmplifyOutputs(o: AmplifyOutputsInput): AmplifyOutputs {
  return {
    version: '1.4',
    ...(o.userPool
      ? {
          auth: {
            aws_region: o.region,
            user_pool_id: o.userPool.userPoolId,
            user_pool_client_id: o.userPool.userPoolClientId,
            username_attributes: ['email'],
            standard_required_attributes: ['email'],
            user_verification_types: ['email'],
            password_policy: PASSWORD_POLICY,
            unauthenticated_identities_enabled: false,
            mfa_configuration: 'NONE',
            mfa_methods: [],
          },
        }
      : {}),
    data: {
      url: o.graphqlUrl,
      aws_region: o.region,
      default_authorization_type: o.defaultAuthType,
      authorization_types: (o.additionalAuthTypes ?? []).filter((t) => t !== o.defaultAuthType),
      ...(o.apiKey ? { api_key: o.apiKey } : {}),
    },
    ...(o.userPoolEndpoint ? { custom: { craft_sync: { user_pool_endpoint: o.userPoolEndpoint } } } : {}),
  };
}

export function isAmplifyOutputs(json: Record<string, unknown>): boolean {
  return typeof json.version === 'string' && json.version.startsWith('1') && ('data' in json || 'auth' in json);
}

/**
 * From a CDK deploy's outputs (`cdk deploy --outputs-file`, one stack's object): the stack's outputs
 * name the pool, client, URL and region; which auth types the API takes comes from its declaration.
 */
export function amplifyOutputsFromCdk(
  stack: { GraphQLUrl: string; Region: string; UserPoolId: string; UserPoolClientId: string },
  auth: { defaultAuthType: AppSyncAuthType; additionalAuthTypes?: AppSyncAuthType[] },
): AmplifyOutputs {
  return toAmplifyOutputs({ region: stack.Region, graphqlUrl: stack.GraphQLUrl, userPool: { userPoolId: stack.UserPoolId, userPoolClientId: stack.UserPoolClientId }, ...auth });
}

/** Amplify's own reading of the file, plus the user-pool endpoint override when the file carries one. */
export function fromAmplifyOutputs(outputs: Record<string, unknown>, caCertPath?: string): ClientConfig {
  const amplify: ResourcesConfig = parseAmplifyConfig(outputs as never);
  if (!amplify.API?.GraphQL?.endpoint) throw new Error('amplify_outputs.json has no data.url');
  const endpoint = (outputs as unknown as AmplifyOutputs).custom?.craft_sync?.user_pool_endpoint;
  const cognito = amplify.Auth?.Cognito as { userPoolEndpoint?: string } | undefined;
  if (endpoint && cognito) cognito.userPoolEndpoint = endpoint;
  return { amplify, caCertPath, local: Boolean(endpoint) };
}
