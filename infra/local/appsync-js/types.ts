/**
 * Contracts between the local runtime's parts:
 *   GraphQL engine (infra/local/graphql) --Invocation--> resolver executor (this folder, ResolverExecutor)
 *   resolver executor --DataSourceRequest--> data sources (infra/local/datasources)
 * Shapes follow AppSync's documented `ctx` and data-source request/response formats.
 */

/** `ctx.identity` for Cognito user pools (AppSync's shape). */
export interface CognitoIdentity {
  sub: string;
  issuer: string;
  username: string;
  claims: Record<string, unknown>;
  sourceIp: string[];
  defaultAuthStrategy: 'ALLOW' | 'DENY';
  groups: string[] | null;
}

/** `ctx.identity` for AWS_IAM. */
export interface IamIdentity {
  accountId: string;
  cognitoIdentityPoolId: string | null;
  cognitoIdentityId: string | null;
  sourceIp: string[];
  username: string;
  userArn: string;
  cognitoIdentityAuthType: string | null;
  cognitoIdentityAuthProvider: string | null;
}

/** API_KEY callers have a null identity, as in AppSync. */
export type Identity = CognitoIdentity | IamIdentity | null;

export interface ResolverInfo {
  fieldName: string;
  parentTypeName: string;
  variables: Record<string, unknown>;
  /** AppSync's flattened list, e.g. ['id', 'owner', 'owner/name']; fragments expanded. */
  selectionSetList: string[];
  selectionSetGraphQL: string;
}

/** Everything the executor needs to run one field's resolver. */
export interface Invocation {
  arguments: Record<string, unknown>;
  source: Record<string, unknown> | null;
  identity: Identity;
  request: { headers: Record<string, string>; domainName: string | null };
  info: ResolverInfo;
  /** Resolved API environment variables (`ctx.env`). */
  env: Record<string, string>;
}

/** One entry of the response's `errors[]`, before path/locations are added by the engine. */
export interface ResolverError {
  message: string;
  errorType: string;
  data?: unknown;
  errorInfo?: unknown;
}

/** What an enhanced subscription filter looks like after `util.transform.toSubscriptionFilter`. */
export interface SubscriptionFilterSpec {
  filterGroup: Array<{ filters: Array<{ fieldName: string; operator: string; value?: unknown }> }>;
}

export interface InvalidationSpec {
  subscriptionField: string;
  payload: Record<string, unknown>;
}

export interface InvocationResult {
  /** The field's value (null when a fatal error such as util.error() occurred). */
  data: unknown;
  /** util.error (fatal) and util.appendError (non-fatal) errors, in order. */
  errors: ResolverError[];
  /** Set by extensions.setSubscriptionFilter in a subscription resolver. */
  subscriptionFilter?: SubscriptionFilterSpec;
  /** Set by extensions.setSubscriptionInvalidationFilter in a subscription resolver. */
  subscriptionInvalidationFilter?: SubscriptionFilterSpec;
  /** Set by extensions.invalidateSubscriptions in a mutation resolver. */
  invalidations: InvalidationSpec[];
  /** util.http.addResponseHeader(s): headers of the GraphQL HTTP response (lower-case names). */
  responseHeaders?: Record<string, string>;
  /** Lines resolver code wrote with console.log / console.error. */
  logs: string[];
}

/** `ctx.error` as AppSync sets it after a failed data-source call. */
export interface DataSourceError {
  message: string;
  type: string;
}

export interface DataSourceResponse {
  result?: unknown;
  error?: DataSourceError;
}

/** Extra context a data source may need (Lambda gets the whole ctx in its event). */
export interface DataSourceCallContext {
  invocation: Invocation;
  stash: Record<string, unknown>;
  prevResult: unknown;
}

export interface DataSource {
  readonly name: string;
  readonly kind: 'NONE' | 'DYNAMODB' | 'LAMBDA' | 'EVENTBRIDGE' | 'HTTP';
  /** `request` is exactly what the resolver's request function returned. Never rejects. */
  invoke(request: unknown, context: DataSourceCallContext): Promise<DataSourceResponse>;
}

/** What the GraphQL engine runs a field's resolver through (appsync-js/executor.ts builds one). */
export interface ResolverExecutor {
  has(typeName: string, fieldName: string): boolean;
  run(typeName: string, fieldName: string, invocation: Invocation): Promise<InvocationResult>;
}
