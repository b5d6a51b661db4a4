import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApi } from './fixtures/api.ts';
import { AppSyncApi } from './appsync-api.ts';
import { DataStores } from './data-stores.ts';
import { APPSYNC_PRELUDE } from '../appsync/prelude.ts';

/** The generic construct on its own, in a bare stack, from the fixture definition. */
describe('AppSyncApi', () => {
  let outdir: string;
  let stack: Stack;
  let t: Template;
  let api: AppSyncApi;
  let stores: DataStores;
  const ref = (construct: { node: { defaultChild?: unknown } }) => ({ Ref: stack.getLogicalId(construct.node.defaultChild as never) });
  const attr = (construct: { node: { defaultChild?: unknown } }, name: string) => ({
    'Fn::GetAtt': [stack.getLogicalId(construct.node.defaultChild as never), name],
  });

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'craft-sync-cdk-'));
    const app = new App({ builtinCloudFormationValidation: false, outdir });
    stack = new Stack(app, 'Bare');
    const userPool = new UserPool(stack, 'Pool');
    stores = new DataStores(stack, 'Data', { definition: fixtureApi });
    api = await AppSyncApi.create(stack, 'Api', { definition: fixtureApi, resources: stores, userPool });
    t = Template.fromStack(stack);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('uploads the declared schema files as written, without the graphql-js prelude', () => {
    const expected = fixtureApi.schema.map((f) => readFileSync(join(fixtureApi.root, f), 'utf8')).join('\n');
    t.hasResourceProperties('AWS::AppSync::GraphQLSchema', { Definition: expected });
    const uploaded = Object.values(t.findResources('AWS::AppSync::GraphQLSchema'))[0]!.Properties.Definition as string;
    expect(uploaded).not.toContain('scalar AWSDateTime');
    expect(APPSYNC_PRELUDE).toContain('scalar AWSDateTime');
  });

  it('authorizes with the user pool by default and IAM and an API key as additional modes', () => {
    t.hasResourceProperties('AWS::AppSync::GraphQLApi', {
      Name: 'fixture',
      AuthenticationType: 'AMAZON_COGNITO_USER_POOLS',
      UserPoolConfig: { UserPoolId: { Ref: Match.stringLikeRegexp('^Pool') }, DefaultAction: 'ALLOW' },
      AdditionalAuthenticationProviders: [{ AuthenticationType: 'AWS_IAM' }, { AuthenticationType: 'API_KEY' }],
    });
    t.resourceCountIs('AWS::AppSync::ApiKey', 1);
    t.hasResourceProperties('AWS::AppSync::ApiKey', { Expires: Match.anyValue() });
  });

  it('turns environment references into the deployed names of the declared resources', () => {
    t.hasResourceProperties('AWS::AppSync::GraphQLApi', {
      EnvironmentVariables: {
        ITEMS_TABLE: ref(stores.tables.items!),
        CONTENT_BUCKET: ref(stores.buckets.content!),
        EVENT_BUS: ref(stores.buses.events!),
        GREETING: 'hello',
      },
    });
  });

  it('logs field errors through its own role into its own log group, and traces with X-Ray', () => {
    t.hasResourceProperties('AWS::AppSync::GraphQLApi', {
      XrayEnabled: true,
      LogConfig: { FieldLogLevel: 'ERROR', ExcludeVerboseContent: true, CloudWatchLogsRoleArn: Match.anyValue() },
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', ['/aws/appsync/apis/', attr(api.api, 'ApiId')]] },
      RetentionInDays: 90,
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'appsync.amazonaws.com' } })] },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: attr(api.logGroup, 'Arn') }],
      },
    });
    // No log-retention custom resource (a Lambda): the construct owns the group.
    t.resourceCountIs('Custom::LogRetention', 0);
  });

  it('creates one data source per declaration, of the declared kind, on the declared resource', () => {
    t.resourceCountIs('AWS::AppSync::DataSource', Object.keys(fixtureApi.dataSources).length);
    t.hasResourceProperties('AWS::AppSync::DataSource', { Name: 'none', Type: 'NONE' });
    t.hasResourceProperties('AWS::AppSync::DataSource', {
      Name: 'items',
      Type: 'AMAZON_DYNAMODB',
      DynamoDBConfig: { TableName: ref(stores.tables.items!) },
    });
    t.hasResourceProperties('AWS::AppSync::DataSource', {
      Name: 'events',
      Type: 'AMAZON_EVENTBRIDGE',
      EventBridgeConfig: { EventBusArn: attr(stores.buses.events!, 'Arn') },
    });
    t.hasResourceProperties('AWS::AppSync::DataSource', {
      Name: 'presigner',
      Type: 'AWS_LAMBDA',
      LambdaConfig: { LambdaFunctionArn: attr(api.handlers.presigner!.fn, 'Arn') },
    });
  });

  it('bundles Lambda data sources locally into a Node.js 24 function with its environment, logs and tracing', () => {
    t.resourceCountIs('AWS::Lambda::Function', 1);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: { BUCKET: ref(stores.buckets.content!), MODE: 'fixture', NODE_OPTIONS: '--enable-source-maps' } },
      LoggingConfig: { LogGroup: Match.anyValue() },
    });
    // Bundled by esbuild on this machine (no Docker): the asset is a staged directory.
    const code = Object.values(t.findResources('AWS::Lambda::Function'))[0]!.Properties.Code;
    expect(code.S3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
  });

  it('grants the Lambda role exactly what its declaration names', () => {
    const role = stack.getLogicalId(api.handlers.presigner!.role.node.defaultChild as never);
    const policies = Object.values(t.findResources('AWS::IAM::Policy')).filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: role })));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    const resources = JSON.stringify(statements.map((s) => s.Resource));
    // Declared: the `plain` table and the `content` bucket; not the `items` table, not the bus.
    expect(resources).toContain(stack.getLogicalId(stores.tables.plain!.node.defaultChild as never));
    expect(resources).toContain(stack.getLogicalId(stores.buckets.content!.node.defaultChild as never));
    expect(resources).not.toContain(stack.getLogicalId(stores.tables.items!.node.defaultChild as never));
    expect(resources).not.toContain(stack.getLogicalId(stores.buses.events!.node.defaultChild as never));
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).not.toContain('s3:*');
    expect(actions).toEqual(expect.arrayContaining(['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload', 'dynamodb:PutItem']));
    expect(actions.filter((a) => a.startsWith('events:'))).toEqual([]);
  });

  it('lets the EventBridge data source put events on its bus only', () => {
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'events:PutEvents', Effect: 'Allow', Resource: attr(stores.buses.events!, 'Arn') }] },
    });
  });
});
