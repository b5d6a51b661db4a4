import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApi } from './fixtures/api.ts';
import { synthStack, type Synthesized } from './testing.ts';

describe('DataStores', () => {
  let s: Synthesized;
  beforeAll(async () => {
    s = await synthStack(fixtureApi);
  });
  afterAll(() => s.dispose());

  it('creates every declared table on demand, recoverable, protected and retained', () => {
    s.template.resourceCountIs('AWS::DynamoDB::Table', Object.keys(fixtureApi.tables).length);
    for (const table of Object.values(s.resources('AWS::DynamoDB::Table'))) {
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
    }
    s.template.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('gives a table the keys, stream, TTL and indexes its declaration names', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byOwner',
          KeySchema: [
            { AttributeName: 'owner', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      AttributeDefinitions: Match.arrayWith([{ AttributeName: 'sk', AttributeType: 'N' }]),
    });
    // A table that declares no stream, TTL or index gets none.
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      StreamSpecification: Match.absent(),
      TimeToLiveSpecification: Match.absent(),
      GlobalSecondaryIndexes: Match.absent(),
    });
  });

  it('makes a content bucket versioned, encrypted, private, logged and CORS-enabled for browser uploads', () => {
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'content/' },
      CorsConfiguration: {
        CorsRules: [
          {
            AllowedOrigins: ['https://app.example.com'],
            AllowedMethods: ['PUT', 'GET', 'HEAD'],
            AllowedHeaders: ['*'],
            ExposedHeaders: ['ETag'],
            MaxAge: 3000,
          },
        ],
      },
    });
  });

  it('aborts abandoned multipart uploads after a day and expires superseded versions: deleted snapshots and others after 35 days (the PITR window)', () => {
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          { Id: 'abort-incomplete-multipart', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
          { Id: 'expire-superseded-snapshots', Status: 'Enabled', Prefix: 'snapshots/', NoncurrentVersionExpiration: { NoncurrentDays: 35 }, ExpiredObjectDeleteMarker: true },
          { Id: 'expire-old-versions', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 35 }, ExpiredObjectDeleteMarker: true },
        ],
      },
    });
  });

  it('refuses plain HTTP on every bucket', () => {
    const policies = Object.values(s.resources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(Object.keys(s.resources('AWS::S3::Bucket')).length);
    for (const p of policies) {
      expect(p.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    }
    s.template.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  });

  it('creates the declared event bus', () => {
    s.template.resourceCountIs('AWS::Events::EventBus', 1);
    s.template.hasResourceProperties('AWS::Events::EventBus', { Description: 'item events' });
  });

  it('lets a deployment override the browser origins', async () => {
    const other = await synthStack(fixtureApi, { corsAllowedOrigins: ['https://sync.example.org'] });
    try {
      other.template.hasResourceProperties('AWS::S3::Bucket', {
        CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedOrigins: ['https://sync.example.org'] })] },
      });
    } finally {
      other.dispose();
    }
  });
});
