import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, AlarmStatusWidget, AlarmWidget, ComparisonOperator, Dashboard, MathExpression, Metric, Stats, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Rule } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { TableDef } from '../wiring/types.ts';
import type { LambdaHandler } from './lambda-handler.ts';

export interface MonitoringProps {
  /** The API's name (the definition's `name`): in descriptions and metric names. */
  appName: string;
  /** The AppSync API's id (metrics dimension GraphQLAPIId). */
  apiId: string;
  tables: Array<{ table: ITable; def: TableDef }>;
  /** Every function of the stack, by a readable name. */
  functions: Record<string, LambdaHandler>;
  /** Functions fed by a stream: their iterator age says how far behind they are. */
  streamFunctions: Record<string, LambdaHandler>;
  /** Queues whose messages wait for an operator (dead-letter and failure queues), by name. */
  deadLetterQueues: Record<string, Queue>;
  /** Queues read by someone outside the stack: alarmed when their oldest message grows old. */
  consumedQueues: Record<string, { queue: Queue; maxAge: Duration }>;
  rules: Record<string, { rule: Rule; busName: string }>;
  topics: Record<string, Topic>;
  /** E-mail addresses subscribed to the operations topic (context `alarmEmails`). */
  alarmEmails?: string[];
}

/** The DynamoDB operations alarmed on (an alarm's math expression takes at most 10 metrics). */
const SYSTEM_ERROR_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.DELETE_ITEM,
  Operation.QUERY,
  Operation.BATCH_GET_ITEM,
  Operation.TRANSACT_WRITE_ITEMS,
  Operation.TRANSACT_GET_ITEMS,
  Operation.GET_RECORDS,
];

/** Thresholds, in one place: what "something is wrong" means for each signal. */
export const THRESHOLDS = {
  /** A dead-letter or failure queue holding anything needs a look; this old, it is urgent. */
  deadLetterAge: Duration.hours(1),
  /** Stream handlers normally run within a second of a commit. */
  iteratorAge: Duration.minutes(5),
  /** Share of a function's timeout its p99 duration may reach. */
  durationShareOfTimeout: 0.8,
  /** AppSync p99 latency (ms). */
  appSyncP99LatencyMs: 2000,
} as const;

/**
 * What tells an operator that something fails: an operations topic (not the users' notification
 * topic) and one alarm per signal, all in one dashboard:
 * - every dead-letter / failure queue: depth > 0 and oldest message older than an hour;
 * - every stream function's iterator age; every function's errors, throttles and p99 duration
 *   against 80 % of its timeout;
 * - AppSync 5XX errors and p99 latency; DynamoDB throttles (table and each index) and system errors;
 * - EventBridge failed invocations per rule; SNS failed notifications per topic;
 * - queues with an outside consumer: oldest message age.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly key: Key;
  readonly alarms: Record<string, Alarm> = {};
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Its own key: CloudWatch may use it (for this account's alarms) and no other service.
    this.key = new Key(this, 'Key', { description: `Encrypts ${props.appName} operations alarms`, enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        // In a key policy `*` means this key.
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
        },
      }),
    );
    this.topic = new Topic(this, 'Topic', { masterKey: this.key, enforceSSL: true, displayName: `${props.appName} operations alarms` });
    for (const email of props.alarmEmails ?? []) this.topic.addSubscription(new EmailSubscription(email));
    const action = new SnsAction(this.topic);

    const alarm = (name: string, metric: IMetric, threshold: number, description: string, operator = ComparisonOperator.GREATER_THAN_THRESHOLD) => {
      const a = new Alarm(this, `Alarm_${name.replace(/[^A-Za-z0-9]/g, '_')}`, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: operator,
        // No data is no traffic (or an empty queue), not a failure.
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `${description} (infra/aws/README.md "Alarms")`,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms[name] = a;
      return a;
    };
    const five = Duration.minutes(5);

    for (const [name, q] of Object.entries(props.deadLetterQueues)) {
      alarm(`${name}.depth`, q.metricApproximateNumberOfMessagesVisible({ period: five, statistic: Stats.MAXIMUM }), 0, `${name}: messages are waiting in a dead-letter / failure queue`);
      alarm(
        `${name}.age`,
        q.metricApproximateAgeOfOldestMessage({ period: five, statistic: Stats.MAXIMUM }),
        THRESHOLDS.deadLetterAge.toSeconds(),
        `${name}: a dead-letter message has waited over ${THRESHOLDS.deadLetterAge.toHumanString()}`,
      );
    }
    for (const [name, { queue, maxAge }] of Object.entries(props.consumedQueues)) {
      alarm(`${name}.age`, queue.metricApproximateAgeOfOldestMessage({ period: five, statistic: Stats.MAXIMUM }), maxAge.toSeconds(), `${name}: its consumer is over ${maxAge.toHumanString()} behind`);
    }
    for (const [name, h] of Object.entries(props.streamFunctions)) {
      alarm(
        `${name}.iteratorAge`,
        h.fn.metric('IteratorAge', { period: five, statistic: Stats.MAXIMUM }),
        THRESHOLDS.iteratorAge.toMilliseconds(),
        `${name}: the stream handler is over ${THRESHOLDS.iteratorAge.toHumanString()} behind the table`,
      );
    }
    for (const [name, h] of Object.entries(props.functions)) {
      alarm(`${name}.errors`, h.fn.metricErrors({ period: five, statistic: Stats.SUM }), 0, `${name}: invocations failed`);
      alarm(`${name}.throttles`, h.fn.metricThrottles({ period: five, statistic: Stats.SUM }), 0, `${name}: invocations were throttled`);
      const limit = h.timeout.toMilliseconds() * THRESHOLDS.durationShareOfTimeout;
      alarm(
        `${name}.p99Duration`,
        h.fn.metricDuration({ period: five, statistic: Stats.p(99) }),
        limit,
        `${name}: p99 duration over ${THRESHOLDS.durationShareOfTimeout * 100} % of its ${h.timeout.toHumanString()} timeout`,
      );
    }

    const appsync = (metricName: string, statistic: string) => new Metric({ namespace: 'AWS/AppSync', metricName, dimensionsMap: { GraphQLAPIId: props.apiId }, period: five, statistic });
    alarm('appsync.5xx', appsync('5XXError', Stats.SUM), 0, 'AppSync answered with server errors');
    alarm('appsync.p99Latency', appsync('Latency', Stats.p(99)), THRESHOLDS.appSyncP99LatencyMs, `AppSync p99 latency over ${THRESHOLDS.appSyncP99LatencyMs} ms`);

    for (const { table, def } of props.tables) {
      const name = `table.${table.node.id}`;
      const ddb = (metricName: string, dims: Record<string, string>) =>
        new Metric({ namespace: 'AWS/DynamoDB', metricName, dimensionsMap: { TableName: table.tableName, ...dims }, period: five, statistic: Stats.SUM });
      const throttles = (dims: Record<string, string>) =>
        new MathExpression({ expression: 'r + w', usingMetrics: { r: ddb('ReadThrottleEvents', dims), w: ddb('WriteThrottleEvents', dims) }, period: five, label: 'throttle events' });
      alarm(`${name}.throttles`, throttles({}), 0, `${table.node.id}: DynamoDB throttled requests`);
      for (const index of def.globalSecondaryIndexes ?? []) {
        alarm(`${name}.${index.indexName}.throttles`, throttles({ GlobalSecondaryIndexName: index.indexName }), 0, `${table.node.id} index ${index.indexName}: DynamoDB throttled requests`);
      }
      alarm(`${name}.systemErrors`, table.metricSystemErrorsForOperations({ period: five, operations: SYSTEM_ERROR_OPERATIONS }), 0, `${table.node.id}: DynamoDB system errors`);
    }
    for (const [name, { rule, busName }] of Object.entries(props.rules)) {
      const failed = new Metric({ namespace: 'AWS/Events', metricName: 'FailedInvocations', dimensionsMap: { EventBusName: busName, RuleName: rule.ruleName }, period: five, statistic: Stats.SUM });
      alarm(`rule.${name}.failedInvocations`, failed, 0, `EventBridge rule ${name}: deliveries to a target failed`);
    }
    for (const [name, topic] of Object.entries(props.topics)) {
      alarm(`topic.${name}.failed`, topic.metricNumberOfNotificationsFailed({ period: five, statistic: Stats.SUM }), 0, `SNS topic ${name}: deliveries to subscribers failed`);
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    const all = Object.values(this.alarms);
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: `${props.appName} alarms`, alarms: all, width: 24, height: Math.min(12, 2 + Math.ceil(all.length / 4)) }));
    const widgets = Object.entries(this.alarms).map(([name, a]) => new AlarmWidget({ title: name, alarm: a, width: 8, height: 6 }));
    for (let i = 0; i < widgets.length; i += 3) this.dashboard.addWidgets(...widgets.slice(i, i + 3));
  }
}
