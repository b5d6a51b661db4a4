import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../api.ts';
import { loadConfigFile } from '../../client/sdk/config.ts';
import { only, synthStack, type Synthesized } from './testing.ts';

/** craft-sync's own stack, from infra/api.ts. */
describe('CraftSyncStack', () => {
  let s: Synthesized;
  beforeAll(async () => {
    s = await synthStack(api);
  });
  afterAll(() => s.dispose());

  it('has a user pool with e-mail usernames, a strong password policy and optional TOTP MFA, retained', () => {
    s.template.hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true }) },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      DeletionProtection: 'ACTIVE',
    });
    s.template.allResources('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
  });

  it('has a browser client for SRP only and a separate scripts client for USER_PASSWORD, both without a secret or OAuth', () => {
    const clients = Object.entries(s.resources('AWS::Cognito::UserPoolClient'));
    expect(clients).toHaveLength(2);
    const byId = (part: string) => clients.find(([id]) => id.includes(part))![1].Properties;
    expect(byId('AppClient').ExplicitAuthFlows.sort()).toEqual(['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH']);
    expect(byId('ScriptsClient').ExplicitAuthFlows.sort()).toEqual(['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_PASSWORD_AUTH']);
    for (const [id, c] of clients) {
      expect(c.Properties.GenerateSecret, id).toBe(false);
      expect(c.Properties.PreventUserExistenceErrors, id).toBe('ENABLED');
      expect(c.Properties.AllowedOAuthFlowsUserPoolClient, id).toBe(false);
      for (const oauth of ['AllowedOAuthFlows', 'AllowedOAuthScopes', 'CallbackURLs', 'LogoutURLs']) expect(c.Properties[oauth], `${id} ${oauth}`).toBeUndefined();
    }
    expect(s.template.toJSON().Outputs.ScriptsClientId.Value).toEqual({ Ref: clients.find(([id]) => id.includes('ScriptsClient'))![0] });
  });

  it('keeps the original e-mail address until a new one is verified', () => {
    s.template.hasResourceProperties('AWS::Cognito::UserPool', { UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] } });
  });

  it('sends Cognito mail through SES with the deploy-time settings, and warns without them', async () => {
    expect(Annotations.fromStack(s.stack).findWarning('*', Match.stringLikeRegexp('sesFromEmail'))).toHaveLength(1);
    const ses = await synthStack(api, { ses: { fromEmail: 'no-reply@example.com', fromName: 'craft-sync', replyTo: 'help@example.com', sesRegion: 'eu-west-1', configurationSetName: 'craft-sync' } });
    try {
      ses.template.hasResourceProperties('AWS::Cognito::UserPool', {
        EmailConfiguration: {
          EmailSendingAccount: 'DEVELOPER',
          From: 'craft-sync <no-reply@example.com>',
          ReplyToEmailAddress: 'help@example.com',
          ConfigurationSet: 'craft-sync',
          SourceArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-1:', { Ref: 'AWS::AccountId' }, ':identity/no-reply@example.com']] },
        },
      });
      expect(Annotations.fromStack(ses.stack).findWarning('*', Match.stringLikeRegexp('sesFromEmail'))).toEqual([]);
    } finally {
      ses.dispose();
    }
  });

  it('requires MFA and turns on threat protection when asked', async () => {
    const strict = await synthStack(api, { requireMfa: true, threatProtection: true });
    try {
      strict.template.hasResourceProperties('AWS::Cognito::UserPool', {
        MfaConfiguration: 'ON',
        UserPoolTier: 'PLUS',
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      });
    } finally {
      strict.dispose();
    }
  });

  it('has an encrypted, TLS-only SNS topic on a rotating customer-managed key (EventBridge uses it through its role)', () => {
    s.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      // Beside the bus rule's permission to publish (notifications.test.ts).
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it("has an encrypted, TLS-only queue with its own encrypted dead-letter queue, the rules' dead-letter queue (and a failure queue per stream handler)", () => {
    const queues = s.resources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(3 + api.streamHandlers!.length);
    for (const q of Object.values(queues)) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    const dlq = Object.keys(queues).find((id) => id.includes('QueueDeadLetter'))!;
    s.template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
    });
    const policies = Object.values(s.resources('AWS::SQS::QueuePolicy'));
    expect(policies).toHaveLength(Object.keys(queues).length);
    for (const p of policies) {
      expect(p.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    }
  });

  it('keeps the files table on demand, recoverable, streamed, with TTL and deletion protection, retained', () => {
    const table = only(s, 'AWS::DynamoDB::Table');
    expect(table).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      DeletionProtectionEnabled: true,
    });
    s.template.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('makes the content bucket versioned, encrypted, private and TLS-only, with its lifecycle rules', () => {
    const [id, bucket] = Object.entries(s.resources('AWS::S3::Bucket')).find(([k]) => k.startsWith('DataBucketcontent'))!;
    expect(bucket.Properties).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: {
        Rules: [
          { Id: 'abort-incomplete-multipart', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
          { Id: 'expire-superseded-snapshots', Status: 'Enabled', Prefix: 'snapshots/', NoncurrentVersionExpiration: { NoncurrentDays: 35 }, ExpiredObjectDeleteMarker: true },
          // Uploads never committed (still tagged pending) expire after the default commit window.
          {
            Id: 'expire-uncommitted-uploads',
            Status: 'Enabled',
            Prefix: 'uploads/',
            TagFilters: [{ Key: 'upload', Value: 'pending' }],
            ExpirationInDays: 2,
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
          },
          { Id: 'expire-old-versions', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 35 }, ExpiredObjectDeleteMarker: true },
        ],
      },
    });
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('runs every Lambda as a locally bundled Node.js function with X-Ray, each on its own least-privilege role', () => {
    const fns = Object.values(s.resources('AWS::Lambda::Function'));
    expect(fns.length).toBeGreaterThanOrEqual(2); // the content data source and the snapshot stream handler at least
    const roles = fns.map((f) => (f.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]);
    expect(new Set(roles).size).toBe(fns.length);
    for (const [i, fn] of fns.entries()) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Handler: 'index.handler', TracingConfig: { Mode: 'Active' } });
      expect(fn.Properties.Code.S3Key).toMatch(/^[0-9a-f]{64}\.zip$/); // an esbuild bundle staged on this machine
      const statements = Object.values(s.resources('AWS::IAM::Policy'))
        .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roles[i]))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
      for (const st of statements) {
        for (const action of [st.Action].flat()) expect(action, roles[i]).not.toMatch(/(^|:)\*$/);
        // Only actions that take no resource ARN may name every resource: X-Ray's, and the
        // event source's dynamodb:ListStreams.
        if (st.Resource === '*')
          expect(
            [st.Action].flat().every((a) => a.startsWith('xray:') || a === 'dynamodb:ListStreams'),
            roles[i],
          ).toBe(true);
      }
    }
    // No managed policies (AWSLambdaBasicExecutionRole & co.) on these roles.
    for (const id of roles) expect(s.template.toJSON().Resources[id].Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('always has a content bucket for browser uploads and an event bus', () => {
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedMethods: ['PUT', 'GET', 'HEAD'], ExposedHeaders: ['ETag'] })] },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })]) },
    });
    s.template.resourceCountIs('AWS::Events::EventBus', 1);
  });

  it('serves the API with the user pool by default and IAM for backend callers', () => {
    s.template.hasResourceProperties('AWS::AppSync::GraphQLApi', {
      Name: 'craft-sync',
      AuthenticationType: 'AMAZON_COGNITO_USER_POOLS',
      UserPoolConfig: Match.objectLike({ UserPoolId: { Ref: Match.stringLikeRegexp('^UsersPool') } }),
      AdditionalAuthenticationProviders: [{ AuthenticationType: 'AWS_IAM' }],
      XrayEnabled: true,
      LogConfig: Match.objectLike({ FieldLogLevel: 'ERROR' }),
    });
  });

  it('outputs what a client needs to configure itself', () => {
    const outputs = s.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.GraphQLUrl!.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^GraphQLApi/), 'GraphQLUrl'] });
    expect(outputs.RealtimeUrl!.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^GraphQLApi/), 'RealtimeUrl'] });
    expect(outputs.Region!.Value).toEqual({ Ref: 'AWS::Region' });
    expect(outputs.UserPoolId!.Value).toEqual({ Ref: expect.stringMatching(/^UsersPool/) });
    expect(outputs.UserPoolClientId!.Value).toEqual({ Ref: expect.stringMatching(/^UsersPoolAppClient/) });
    // One output per bucket, bus, topic and queue infra/api.ts declares.
    expect(outputs.BucketContent!.Value).toEqual({ Ref: expect.stringMatching(/^DataBucketcontent/) });
    expect(outputs.EventBusEvents!.Value).toEqual({ Ref: expect.stringMatching(/^DataBusevents/) });
    expect(outputs).toHaveProperty('NotificationTopicArn');
    expect(outputs).toHaveProperty('NotificationQueueUrl');
  });

  it('outputs are what the client loads its configuration from (`cdk deploy --outputs-file`)', () => {
    const outputs = s.template.toJSON().Outputs as Record<string, unknown>;
    // What CloudFormation resolves each output to after a deploy: one distinct value per output.
    const deployed = Object.fromEntries(Object.keys(outputs).map((k) => [k, `deployed-${k}`]));
    const dir = mkdtempSync(join(tmpdir(), 'craft-sync-outputs-'));
    try {
      const file = join(dir, 'outputs.json');
      writeFileSync(file, JSON.stringify({ [s.stack.stackName]: deployed }));
      expect(loadConfigFile(file)).toEqual({
        amplify: {
          Auth: { Cognito: { userPoolId: 'deployed-UserPoolId', userPoolClientId: 'deployed-UserPoolClientId', loginWith: { email: true } } },
          API: { GraphQL: { endpoint: 'deployed-GraphQLUrl', region: 'deployed-Region', defaultAuthMode: 'userPool' } },
        },
        local: false,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
