import { Duration, Expiration } from 'aws-cdk-lib';
import {
  AppsyncFunction,
  AuthorizationType,
  Code,
  Definition,
  FieldLogLevel,
  FunctionRuntime,
  GraphqlApi,
  Resolver,
  type AuthorizationMode,
  type BaseDataSource,
  type CfnGraphQLApi,
} from 'aws-cdk-lib/aws-appsync';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULT_PIPELINE_CODE } from '../build/default-pipeline.ts';
import { checkWiring } from '../wiring/check.ts';
import { WiringError } from '../wiring/discover.ts';
import { bundleApi, type BundledApi } from '../wiring/prepare.ts';
import type { ApiDefinition, AuthMode } from '../wiring/types.ts';
import { checkResources, envResolver, type ApiResources } from './api-resources.ts';
import { createDataSources } from './data-sources.ts';
import { acknowledge } from './nag.ts';
import type { LambdaHandler } from './lambda-handler.ts';

/** The definition, its wiring, loaded schema and bundled code come from bundleApi (infra/wiring/prepare.ts), checked and bundled once. */
export interface AppSyncApiProps extends BundledApi {
  resources: ApiResources;
  /** Required when the definition uses AMAZON_COGNITO_USER_POOLS. */
  userPool?: IUserPool;
  /** Days an API key (if declared) stays valid; each deploy renews it. AppSync allows 1-365. */
  apiKeyValidityDays?: number;
  /** Deepest nesting a query may have (default QUERY_DEPTH_LIMIT). */
  queryDepthLimit?: number;
  /** Resolver invocations one request may make (default RESOLVER_COUNT_LIMIT). */
  resolverCountLimit?: number;
}

/** AppSync rejects queries nested deeper than this (1-75) and requests that run more resolvers (1-10000). */
export const QUERY_DEPTH_LIMIT = 10;
export const RESOLVER_COUNT_LIMIT = 1000;

/** The APPSYNC_JS runtime every resolver and function runs on, as the local runtime emulates it. */
export const RESOLVER_RUNTIME = FunctionRuntime.JS_1_0_0;

/**
 * A GraphQL API on AppSync built from one ApiDefinition and its file-tree wiring: the schema as
 * declared, the auth modes, `ctx.env`, a data source per declaration and every resolver and
 * pipeline function with the same bundled code the local runtime runs. Generic: nothing in here
 * knows one schema.
 */
export class AppSyncApi extends Construct {
  readonly api: GraphqlApi;
  readonly graphqlUrl: string;
  readonly realtimeUrl: string;
  readonly logGroup: LogGroup;
  readonly dataSources: Record<string, BaseDataSource>;
  readonly handlers: Record<string, LambdaHandler>;
  readonly resolvers: Record<string, Resolver> = {};
  readonly functions: Record<string, AppsyncFunction> = {};

  /** Prepares the definition (discover, check, bundle), then builds the construct. */
  static async create(scope: Construct, id: string, props: Omit<AppSyncApiProps, keyof BundledApi> & { definition: ApiDefinition }): Promise<AppSyncApi> {
    return new AppSyncApi(scope, id, { ...props, ...(await bundleApi(props.definition)) });
  }

  constructor(scope: Construct, id: string, props: AppSyncApiProps) {
    super(scope, id);
    const def = props.definition;
    const loaded = props.schema;
    // The wiring handed in is checked against the loaded schema (no second load).
    checkWiring(def, loaded.schema, props.wiring);
    checkResources(def, props.resources);
    const envValue = envResolver(props.resources);

    // AppSync writes to this role's log group; the policy is attached after the API exists so
    // it can name the API's own group instead of every AppSync group in the account.
    const logsRole = new Role(this, 'LogsRole', { assumedBy: new ServicePrincipal('appsync.amazonaws.com') });

    this.api = new GraphqlApi(this, 'Api', {
      name: def.name,
      // What is uploaded is the declared files as written; AppSync supplies its own scalars and directives.
      // (GraphqlApi binds its schema to itself, so `api` is the GraphqlApi being built.)
      definition: Definition.fromSchema({ bind: (api) => ({ apiId: (api as GraphqlApi).apiId, definition: loaded.sdl }) }),
      authorizationConfig: {
        defaultAuthorization: this.authMode(def.authentication.default, props),
        additionalAuthorizationModes: (def.authentication.additional ?? []).map((m) => this.authMode(m, props)),
      },
      environmentVariables: Object.fromEntries(Object.entries(def.environment ?? {}).map(([k, v]) => [k, envValue(v)])),
      xrayEnabled: true,
      // Abuse limits, well above what craft-sync's own operations need (pages hold at most 100 items).
      queryDepthLimit: props.queryDepthLimit ?? QUERY_DEPTH_LIMIT,
      resolverCountLimit: props.resolverCountLimit ?? RESOLVER_COUNT_LIMIT,
    });
    const cfnApi = this.api.node.defaultChild as CfnGraphQLApi;
    // Set on the L1: the L2's logConfig adds a log-retention custom resource (a Lambda); this
    // construct owns the log group and its retention instead.
    cfnApi.logConfig = {
      cloudWatchLogsRoleArn: logsRole.roleArn,
      fieldLogLevel: FieldLogLevel.ERROR,
      excludeVerboseContent: true,
    };
    // Per-resolver, per-data-source and per-operation metrics (errors, latency) for the dashboard.
    cfnApi.enhancedMetricsConfig = {
      resolverLevelMetricsBehavior: 'FULL_REQUEST_RESOLVER_METRICS',
      dataSourceLevelMetricsBehavior: 'FULL_REQUEST_DATA_SOURCE_METRICS',
      operationLevelMetricsConfig: 'ENABLED',
    };
    acknowledge(
      this.api,
      'ASC3',
      'Request logging is on with field level ERROR; verbose content is excluded on purpose because it would copy request headers (bearer tokens) and file patches into CloudWatch.',
    );

    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/appsync/apis/${this.api.apiId}`,
      retention: RetentionDays.THREE_MONTHS,
    });
    new Policy(this, 'LogsPolicy', {
      roles: [logsRole],
      statements: [
        new PolicyStatement({
          actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.logGroup.logGroupArn],
        }),
      ],
    });

    this.graphqlUrl = this.api.graphqlUrl;
    this.realtimeUrl = cfnApi.attrRealtimeUrl;

    const built = createDataSources(this, { definition: def, api: this.api, resources: props.resources, envValue });
    this.dataSources = built.dataSources;
    this.handlers = built.handlers;

    const codeOf = (file: string): Code => {
      const code = props.code.get(file);
      if (code === undefined) throw new WiringError(`no bundled code for ${file} (prepare the definition with prepareApi)`);
      return Code.fromInline(code);
    };
    const dataSource = (name: string) => this.dataSources[name]!; // checkDefinition proved it exists

    for (const r of props.wiring) {
      const key = `${r.typeName}.${r.fieldName}`;
      const id = `Resolver_${r.typeName}_${r.fieldName}`;
      if (r.kind === 'UNIT') {
        this.resolvers[key] = new Resolver(this, id, {
          api: this.api,
          typeName: r.typeName,
          fieldName: r.fieldName,
          dataSource: dataSource(r.dataSource!),
          runtime: RESOLVER_RUNTIME,
          code: codeOf(r.file!),
        });
        continue;
      }
      const pipeline = r.functions.map((f) => {
        const fn = new AppsyncFunction(this, `Function_${f.name}`, {
          api: this.api,
          name: f.name,
          dataSource: dataSource(f.dataSource),
          runtime: RESOLVER_RUNTIME,
          code: codeOf(f.file),
        });
        this.functions[f.name] = fn;
        return fn;
      });
      this.resolvers[key] = new Resolver(this, id, {
        api: this.api,
        typeName: r.typeName,
        fieldName: r.fieldName,
        pipelineConfig: pipeline,
        runtime: RESOLVER_RUNTIME,
        code: r.file ? codeOf(r.file) : Code.fromInline(DEFAULT_PIPELINE_CODE),
      });
    }
  }

  private authMode(mode: AuthMode, props: AppSyncApiProps): AuthorizationMode {
    switch (mode) {
      case 'AMAZON_COGNITO_USER_POOLS':
        if (!props.userPool) throw new WiringError(`${props.definition.name}: authentication uses AMAZON_COGNITO_USER_POOLS but no user pool was given`);
        return { authorizationType: AuthorizationType.USER_POOL, userPoolConfig: { userPool: props.userPool } };
      case 'AWS_IAM':
        return { authorizationType: AuthorizationType.IAM };
      case 'API_KEY':
        return {
          authorizationType: AuthorizationType.API_KEY,
          // Relative to the synth time, so every deploy that changes the template renews the key.
          apiKeyConfig: { expires: Expiration.after(Duration.days(props.apiKeyValidityDays ?? 365)) },
        };
    }
  }
}
