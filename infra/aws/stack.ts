import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { bundleApi, type BundledApi } from '../wiring/prepare.ts';
import type { ApiDefinition } from '../wiring/types.ts';
import { AppSyncApi } from './appsync-api.ts';
import { envResolver } from './api-resources.ts';
import { Backups } from './backup.ts';
import { AbuseLimits } from './waf.ts';
import { DataStores, type AdoptedTable } from './data-stores.ts';
import { Notifications } from './notifications.ts';
import { createStreamHandlers, type StreamHandler } from './stream-handlers.ts';
import type { LambdaHandler } from './lambda-handler.ts';
import { Monitoring } from './monitoring.ts';
import { Users, type UsersProps } from './user-pool.ts';
import { withUploadLimits, type UploadLimits } from './upload-limits.ts';

export interface CraftSyncStackProps extends StackProps, UsersProps {
  /** The definition (upload limits applied), discovered, checked and bundled once (createCraftSyncStack); every construct reads this one. */
  api: BundledApi;
  /** Browser origins allowed to upload and download content (default: what the definition declares). */
  corsAllowedOrigins?: string[];
  /** HTTPS endpoints the definition's `{ webhooks: true }` rule targets post FileChanged events to. */
  webhooks?: string[];
  /** E-mail addresses subscribed to the operations (alarm) topic. */
  alarmEmails?: string[];
  /** Existing (restored) tables to use instead of creating them, by table key (README "Restore"). */
  adoptTables?: Record<string, AdoptedTable>;
  /** A backup vault in another account or region that every recovery point is copied to. */
  backupCopyVaultArn?: string;
  /** Requests per client IP in 5 minutes before WAF blocks it (default 2000). */
  wafRatePerIp?: number;
}

export interface CreateCraftSyncStackProps extends Omit<CraftSyncStackProps, 'api'> {
  definition: ApiDefinition;
  /** Object size limit, per-user upload quota and commit window (default: resolvers/lib/limits.ts). */
  uploadLimits?: UploadLimits;
}

/**
 * craft-sync in AWS: Cognito users, and what the definition (infra/api.ts) declares, nothing more:
 * its tables, buckets, buses, topics and queues, the AppSync API wired exactly as the local runtime
 * runs it, and one stack output per declared bucket, bus, topic and queue.
 *
 * The definition's bus rules route events to its topics and queues and to the configured webhooks
 * through its webhook delivery handler (`notifications.ts`). Stream handlers (snapshots, notifications) subscribe to their table's stream with a DynamoEventSource
 * and get the grants their declaration names (`stream-handlers.ts`).
 */
export class CraftSyncStack extends Stack {
  readonly users: Users;
  readonly stores: DataStores;
  readonly api: AppSyncApi;
  readonly notifications: Notifications;
  /** The definition's stream handlers (snapshot compaction), in declaration order. */
  readonly streamHandlers: StreamHandler[];
  readonly monitoring: Monitoring;
  readonly backups?: Backups;
  readonly abuseLimits: AbuseLimits;

  constructor(scope: Construct, id: string, props: CraftSyncStackProps) {
    super(scope, id, props);
    this.users = new Users(this, 'Users', props);
    const definition = props.api.definition;
    this.stores = new DataStores(this, 'Data', {
      definition,
      corsAllowedOrigins: props.corsAllowedOrigins,
      adoptTables: props.adoptTables,
    });
    this.api = new AppSyncApi(this, 'GraphQL', {
      ...props.api,
      resources: this.stores,
      userPool: this.users.userPool,
    });
    this.notifications = new Notifications(this, 'Notifications', { definition, buses: this.stores.buses, webhooks: props.webhooks });
    this.streamHandlers = createStreamHandlers(this, { definition, resources: this.stores, envValue: envResolver(this.stores) });
    this.monitoring = this.createMonitoring(definition, props.alarmEmails);
    // Adopted tables are backed up by whoever owns them (they were restored from a backup already).
    this.abuseLimits = new AbuseLimits(this, 'Waf', {
      appName: definition.name,
      protectedArns: { api: this.api.api.arn, userPool: this.users.userPool.userPoolArn },
      ratePerIp: props.wafRatePerIp,
    });
    const backedUp = { tables: Object.values(this.stores.ownTables), buckets: Object.values(this.stores.buckets) };
    this.backups = backedUp.tables.length + backedUp.buckets.length > 0 ? new Backups(this, 'Backups', { appName: definition.name, ...backedUp, copyVaultArn: props.backupCopyVaultArn }) : undefined;

    // What a client needs to configure itself (see infra/aws/README.md).
    new CfnOutput(this, 'GraphQLUrl', { value: this.api.graphqlUrl, description: 'AppSync GraphQL endpoint (HTTPS)' });
    new CfnOutput(this, 'RealtimeUrl', { value: this.api.realtimeUrl, description: 'AppSync real-time endpoint (WebSocket)' });
    new CfnOutput(this, 'Region', { value: this.region, description: 'Region of the API and the user pool' });
    new CfnOutput(this, 'UserPoolId', { value: this.users.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.users.client.userPoolClientId, description: 'App client for browsers and the SDK (SRP sign-in)' });
    new CfnOutput(this, 'ScriptsClientId', { value: this.users.scriptsClient.userPoolClientId, description: 'App client for scripts that sign in with USER_PASSWORD_AUTH' });
    for (const [key, bucket] of Object.entries(this.stores.buckets)) {
      new CfnOutput(this, `Bucket${pascal(key)}`, { value: bucket.bucketName, description: `S3 bucket "${key}"` });
    }
    for (const [key, bus] of Object.entries(this.stores.buses)) {
      new CfnOutput(this, `EventBus${pascal(key)}`, { value: bus.eventBusName, description: `EventBridge bus "${key}"` });
    }
    for (const [key, topic] of Object.entries(this.notifications.topics)) {
      const def = definition.topics![key]!;
      new CfnOutput(this, def.output ?? `Topic${pascal(key)}Arn`, { value: topic.topicArn, description: def.description ?? `SNS topic "${key}"` });
    }
    for (const [key, queue] of Object.entries(this.notifications.queues)) {
      const def = definition.queues![key]!;
      new CfnOutput(this, def.output ?? `Queue${pascal(key)}Url`, { value: queue.queueUrl, description: def.description ?? `SQS queue "${key}"` });
    }
    new CfnOutput(this, 'OperationsTopicArn', { value: this.monitoring.topic.topicArn, description: 'Every alarm of the stack (subscribe operators here, not to the notification topic)' });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName, description: 'CloudWatch dashboard with every alarm' });
    if (this.notifications.webhookSecret) {
      new CfnOutput(this, 'WebhookSecretArn', { value: this.notifications.webhookSecret.secretArn, description: 'The key webhook deliveries are signed with (Standard Webhooks webhook-signature)' });
    }
  }

  private createMonitoring(definition: ApiDefinition, alarmEmails: string[] | undefined): Monitoring {
    const streamFunctions = Object.fromEntries(this.streamHandlers.map((h) => [h.node.id, h as LambdaHandler]));
    const functions: Record<string, LambdaHandler> = { ...streamFunctions };
    for (const [key, h] of Object.entries(this.api.handlers)) functions[`Handler_${key}`] = h;
    if (this.notifications.webhookDelivery) functions.WebhookDelivery = this.notifications.webhookDelivery;
    const deadLetterQueues: Record<string, Queue> = { ...this.notifications.deadLetterQueues };
    for (const h of this.streamHandlers) deadLetterQueues[`${h.node.id}.FailureQueue`] = h.failureQueue;
    const rules = Object.fromEntries(Object.entries(this.notifications.rules).map(([key, rule]) => [key, { rule, busName: this.stores.buses[key.split('.')[0]!]!.eventBusName }]));
    return new Monitoring(this, 'Monitoring', {
      appName: definition.name,
      apiId: this.api.api.apiId,
      tables: Object.entries(this.stores.tables).map(([key, table]) => ({ table, def: definition.tables[key]! })),
      functions,
      streamFunctions,
      deadLetterQueues,
      // The integrations queue has no consumer in the stack; messages expire after 4 days (infra/aws/README.md "Integrations queue").
      consumedQueues: Object.fromEntries(Object.entries(this.notifications.queues).map(([key, queue]) => [`Queue_${key}`, { queue, maxAge: Duration.days(1) }])),
      rules,
      topics: this.notifications.topics,
      alarmEmails,
    });
  }
}

/** Applies the upload limits, prepares the definition once (discover, check, bundle: async), then builds the stack. */
export async function createCraftSyncStack(scope: Construct, id: string, props: CreateCraftSyncStackProps): Promise<CraftSyncStack> {
  const { definition, uploadLimits, ...settings } = props;
  const api = await bundleApi(withUploadLimits(definition, uploadLimits));
  return new CraftSyncStack(scope, id, { ...settings, api });
}

const pascal = (key: string) => key.replace(/(^|[-_])([a-z0-9])/gi, (_m, _s, c: string) => c.toUpperCase());
