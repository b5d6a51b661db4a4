import { Annotations, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BackupPlan, BackupPlanRule, BackupResource, BackupVault, type IBackupVault } from 'aws-cdk-lib/aws-backup';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';

/** DynamoDB point-in-time recovery reaches back this far; backups and kept S3 versions match it. */
export const PITR_WINDOW = Duration.days(35);

export interface BackupsProps {
  /** The API's name (the definition's `name`): in descriptions and metric names. */
  appName: string;
  tables: ITable[];
  buckets: IBucket[];
  /**
   * A backup vault in another account or region every recovery point is copied to (context
   * `backupCopyVaultArn`). Without one the stack warns: a backup in the same account and region
   * does not survive the loss of either.
   */
  copyVaultArn?: string;
  /** Days recovery points are kept (default 35, the PITR window). */
  retention?: Duration;
}

/**
 * AWS Backup for the data that cannot be rebuilt: the tables and the content buckets, every day into
 * a vault locked against early deletion (nobody, root included, can delete a recovery point before
 * its retention ends), copied to a vault elsewhere. Restore steps: infra/aws/README.md "Restore".
 */
export class Backups extends Construct {
  readonly vault: BackupVault;
  readonly plan: BackupPlan;
  readonly copyVault?: IBackupVault;

  constructor(scope: Construct, id: string, props: BackupsProps) {
    super(scope, id);
    const retention = props.retention ?? PITR_WINDOW;
    const key = new Key(this, 'Key', { description: `Encrypts ${props.appName} backups`, enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
    this.vault = new BackupVault(this, 'Vault', {
      encryptionKey: key,
      removalPolicy: RemovalPolicy.RETAIN,
      lockConfiguration: { minRetention: retention },
    });
    this.copyVault = props.copyVaultArn ? BackupVault.fromBackupVaultArn(this, 'CopyVault', props.copyVaultArn) : undefined;
    if (!this.copyVault) {
      Annotations.of(this).addWarning('No backup copy outside this account and region: set -c backupCopyVaultArn=<vault ARN in another account or region> (infra/aws/README.md "Backups").');
    }
    this.plan = new BackupPlan(this, 'Plan', { backupVault: this.vault });
    this.plan.addRule(
      new BackupPlanRule({
        ruleName: 'daily',
        scheduleExpression: Schedule.cron({ hour: '3', minute: '0' }),
        deleteAfter: retention,
        copyActions: this.copyVault ? [{ destinationBackupVault: this.copyVault, deleteAfter: retention }] : undefined,
      }),
    );
    // S3 backups need AWS's S3 backup and restore policies on the selection role.
    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('backup.amazonaws.com') });
    const policies = ['service-role/AWSBackupServiceRolePolicyForBackup', 'service-role/AWSBackupServiceRolePolicyForRestores'];
    if (props.buckets.length > 0) policies.push('AWSBackupServiceRolePolicyForS3Backup', 'AWSBackupServiceRolePolicyForS3Restore');
    for (const name of policies) {
      role.addManagedPolicy(ManagedPolicy.fromAwsManagedPolicyName(name));
      acknowledge(
        role,
        'IAM4',
        `${name.split('/').pop()}: AWS Backup's own service-role policy, kept current by AWS for what backing up and restoring DynamoDB and S3 needs; the selection names the resources.`,
        `Policy::arn:<AWS::Partition>:iam::aws:policy/${name}`,
      );
    }
    this.plan.addSelection('Data', {
      role,
      resources: [...props.tables.map((t) => BackupResource.fromDynamoDbTable(t)), ...props.buckets.map((b) => BackupResource.fromArn(b.bucketArn))],
      allowRestores: true,
    });
  }
}
