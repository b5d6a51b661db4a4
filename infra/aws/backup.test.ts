import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../api.ts';
import { synthStack, type CfnProps, type Synthesized } from './testing.ts';

const COPY_VAULT = 'arn:aws:backup:eu-central-1:210987654321:backup-vault:craft-sync-copies';

describe('backups and restores', () => {
  let s: Synthesized;
  beforeAll(async () => {
    s = await synthStack(api, { backupCopyVaultArn: COPY_VAULT });
  });
  afterAll(() => s.dispose());

  it('keeps the logical ids of the table, the buckets and the user pool (a change would replace them, with their data)', () => {
    // Changing one of these ids makes CloudFormation create a new resource and orphan the old one (RETAIN).
    expect(Object.keys(s.resources('AWS::DynamoDB::Table'))).toEqual(['DataTablefilesEB013DE8']);
    expect(Object.keys(s.resources('AWS::S3::Bucket')).sort()).toEqual(['DataAccessLogsC0C25EE4', 'DataBucketcontentFD1AE595']);
    expect(Object.keys(s.resources('AWS::Cognito::UserPool'))).toEqual(['UsersPoolBFC35D3B']);
  });

  it('backs up the table and the content bucket every day into a locked vault, copied to the configured vault, kept 35 days', () => {
    const vaults = Object.entries(s.resources('AWS::Backup::BackupVault'));
    expect(vaults).toHaveLength(1);
    const [vaultId, vault] = vaults[0]!;
    expect(vault.Properties.LockConfiguration).toEqual({ MinRetentionDays: 35 });
    expect(vault.Properties.EncryptionKeyArn).toBeDefined();
    s.template.hasResource('AWS::Backup::BackupVault', { DeletionPolicy: 'Retain' });
    const plan = Object.values(s.resources('AWS::Backup::BackupPlan'))[0]!.Properties.BackupPlan as CfnProps;
    expect(plan.BackupPlanRule).toEqual([
      expect.objectContaining({
        RuleName: 'daily',
        TargetBackupVault: { 'Fn::GetAtt': [vaultId, 'BackupVaultName'] },
        Lifecycle: { DeleteAfterDays: 35 },
        CopyActions: [{ DestinationBackupVaultArn: COPY_VAULT, Lifecycle: { DeleteAfterDays: 35 } }],
      }),
    ]);
    const selection = Object.values(s.resources('AWS::Backup::BackupSelection'))[0]!.Properties.BackupSelection as CfnProps;
    const json = JSON.stringify(selection.Resources);
    expect(json).toContain('DataTablefilesEB013DE8');
    expect(json).toContain('DataBucketcontentFD1AE595');
    expect(json).not.toContain('DataAccessLogs');
  });

  it('keeps deleted snapshots and old versions as long as point-in-time recovery reaches back (35 days)', () => {
    const bucket = s.resources('AWS::S3::Bucket').DataBucketcontentFD1AE595!.Properties;
    const rules = bucket.LifecycleConfiguration.Rules as CfnProps[];
    expect(rules.find((r) => r.Id === 'expire-superseded-snapshots')?.NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 35 });
    expect(rules.find((r) => r.Id === 'expire-old-versions')?.NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 35 });
    s.template.hasResourceProperties('AWS::DynamoDB::Table', { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
  });

  it('warns when no copy outside the account and region is configured', async () => {
    const bare = await synthStack(api);
    try {
      Annotations.fromStack(bare.stack).hasWarning('*', Match.stringLikeRegexp('backupCopyVaultArn'));
      expect(Annotations.fromStack(s.stack).findWarning('*', Match.stringLikeRegexp('backupCopyVaultArn'))).toEqual([]);
    } finally {
      bare.dispose();
    }
  });

  it('adopts an existing (restored) table by context: no table resource, every grant, mapping and env on the restored one', async () => {
    const streamArn = 'arn:aws:dynamodb:eu-west-1:123456789012:table/files-restored/stream/2026-12-01T00:00:00.000';
    const adopted = await synthStack(api, { adoptTables: { files: { tableName: 'files-restored', streamArn } } });
    try {
      expect(Object.keys(adopted.resources('AWS::DynamoDB::Table'))).toEqual([]);
      const mappings = Object.values(adopted.resources('AWS::Lambda::EventSourceMapping')).filter((m) => JSON.stringify(m.Properties.EventSourceArn).includes('dynamodb'));
      expect(mappings.map((m) => m.Properties.EventSourceArn)).toEqual(api.streamHandlers!.map(() => streamArn));
      const ds = Object.values(adopted.resources('AWS::AppSync::DataSource')).find((d) => d.Properties.Type === 'AMAZON_DYNAMODB')!;
      expect(ds.Properties.DynamoDBConfig.TableName).toBe('files-restored');
      const json = JSON.stringify(adopted.template.toJSON());
      expect(json).toContain('table/files-restored');
      // The restored table is not backed up by this stack's plan (its owner restored it from a backup).
      expect(Object.keys(adopted.resources('AWS::Backup::BackupSelection'))).toHaveLength(1);
      expect(JSON.stringify(Object.values(adopted.resources('AWS::Backup::BackupSelection'))[0]!.Properties)).not.toContain('files-restored');
    } finally {
      adopted.dispose();
    }
    await expect(synthStack(api, { adoptTables: { files: { tableName: 'files-restored' } } })).rejects.toThrow(/adopted table "files" \(files-restored\) declares a stream: give its streamArn too/);
  });
});
