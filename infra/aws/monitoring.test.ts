import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../api.ts';
import { synthStack, type CfnProps, type Synthesized } from './testing.ts';

/** craft-sync's stack with a webhook configured (so every kind of function exists), as an operator sees it. */
describe('monitoring', () => {
  let s: Synthesized;
  let alarms: CfnProps[];
  beforeAll(async () => {
    s = await synthStack(api, { webhooks: ['https://hooks.example.com/craft'], alarmEmails: ['ops@example.com'] });
    alarms = Object.values(s.resources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  });
  afterAll(() => s.dispose());

  const ids = (type: string) => Object.keys(s.resources(type));
  const opsTopic = () => ids('AWS::SNS::Topic').find((id) => id.startsWith('Monitoring'))!;
  /** Alarms on one metric whose dimension `dim` points at `ref`. */
  const alarmsOn = (metricName: string, dim: string, ref: unknown) =>
    alarms.filter(
      (a) => a.MetricName === metricName && (a.Dimensions as Array<{ Name: string; Value: unknown }> | undefined)?.some((d) => d.Name === dim && JSON.stringify(d.Value) === JSON.stringify(ref)),
    );

  it("sends every alarm (and its recovery) to an operations topic of its own, not to the users' notification topic", () => {
    expect(ids('AWS::SNS::Topic')).toHaveLength(2);
    const topic = opsTopic();
    expect(topic).toBeDefined();
    expect(alarms.length).toBeGreaterThan(20);
    for (const a of alarms) {
      expect(a.AlarmActions, a.AlarmDescription).toEqual([{ Ref: topic }]);
      expect(a.OKActions, a.AlarmDescription).toEqual([{ Ref: topic }]);
      expect(a.TreatMissingData).toBe('notBreaching');
    }
    s.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topic } });
  });

  it('encrypts the operations topic with a key only CloudWatch alarms of this account may use', () => {
    const topic = s.resources('AWS::SNS::Topic')[opsTopic()]!.Properties;
    const keyId = (topic.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = s.resources('AWS::KMS::Key')[keyId]!.Properties.KeyPolicy.Statement as CfnProps[];
    const services = statements.filter((st) => st.Principal?.Service);
    expect(services).toHaveLength(1);
    expect(services[0]).toMatchObject({
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': expect.anything() } },
    });
  });

  it('alarms on every dead-letter and failure queue: depth above 0 and oldest message over an hour', () => {
    const queues = Object.entries(s.resources('AWS::SQS::Queue')).filter(([id]) => id.includes('DeadLetter') || id.includes('FailureQueue'));
    // The rules' (events), the integrations queue's and the webhook queue's dead-letter queues, and one failure queue per stream handler.
    expect(queues).toHaveLength(3 + api.streamHandlers!.length);
    for (const [id] of queues) {
      const name = { 'Fn::GetAtt': [id, 'QueueName'] };
      expect(
        alarmsOn('ApproximateNumberOfMessagesVisible', 'QueueName', name).map((a) => a.Threshold),
        id,
      ).toEqual([0]);
      expect(
        alarmsOn('ApproximateAgeOfOldestMessage', 'QueueName', name).map((a) => a.Threshold),
        id,
      ).toEqual([3600]);
    }
  });

  it('alarms on the integrations queue when its consumer is a day behind', () => {
    const id = ids('AWS::SQS::Queue').find((q) => /^NotificationsQueue[0-9A-F]{8}$/.test(q))!;
    expect(alarmsOn('ApproximateAgeOfOldestMessage', 'QueueName', { 'Fn::GetAtt': [id, 'QueueName'] }).map((a) => a.Threshold)).toEqual([86_400]);
  });

  it('alarms on every function: errors, throttles, p99 duration against 80 % of its timeout; stream functions on iterator age', () => {
    const fns = Object.entries(s.resources('AWS::Lambda::Function'));
    // content, webhook delivery, three stream handlers (no other functions: no custom resources).
    expect(fns).toHaveLength(5);
    for (const [id, fn] of fns) {
      const ref = { Ref: id };
      expect(
        alarmsOn('Errors', 'FunctionName', ref).map((a) => [a.Statistic, a.Threshold]),
        id,
      ).toEqual([['Sum', 0]]);
      expect(
        alarmsOn('Throttles', 'FunctionName', ref).map((a) => [a.Statistic, a.Threshold]),
        id,
      ).toEqual([['Sum', 0]]);
      expect(
        alarmsOn('Duration', 'FunctionName', ref).map((a) => [a.ExtendedStatistic, a.Threshold]),
        id,
      ).toEqual([['p99', fn.Properties.Timeout * 1000 * 0.8]]);
      const stream = id.startsWith('StreamHandler');
      expect(
        alarmsOn('IteratorAge', 'FunctionName', ref).map((a) => a.Threshold),
        id,
      ).toEqual(stream ? [300_000] : []);
    }
  });

  it('alarms on AppSync 5XX errors and p99 latency, and turns on enhanced metrics', () => {
    const apiId = { 'Fn::GetAtt': [ids('AWS::AppSync::GraphQLApi')[0], 'ApiId'] };
    expect(alarmsOn('5XXError', 'GraphQLAPIId', apiId).map((a) => [a.Statistic, a.Threshold])).toEqual([['Sum', 0]]);
    expect(alarmsOn('Latency', 'GraphQLAPIId', apiId).map((a) => [a.ExtendedStatistic, a.Threshold])).toEqual([['p99', 2000]]);
    s.template.hasResourceProperties('AWS::AppSync::GraphQLApi', {
      EnhancedMetricsConfig: {
        ResolverLevelMetricsBehavior: 'FULL_REQUEST_RESOLVER_METRICS',
        DataSourceLevelMetricsBehavior: 'FULL_REQUEST_DATA_SOURCE_METRICS',
        OperationLevelMetricsConfig: 'ENABLED',
      },
    });
  });

  it('alarms on DynamoDB throttles of the table and of its index, and on system errors', () => {
    const table = { Ref: ids('AWS::DynamoDB::Table')[0] };
    const onTable = (metric: string) =>
      alarms.filter((a) =>
        (a.Metrics as CfnProps[] | undefined)?.some(
          (m) => m.MetricStat?.Metric.MetricName === metric && m.MetricStat.Metric.Dimensions.some((d: CfnProps) => d.Name === 'TableName' && JSON.stringify(d.Value) === JSON.stringify(table)),
        ),
      );
    const throttles = onTable('WriteThrottleEvents');
    expect(throttles).toHaveLength(2);
    const indexes = throttles.map((a) => (a.Metrics as CfnProps[]).flatMap((m) => m.MetricStat?.Metric.Dimensions ?? []).find((d: CfnProps) => d.Name === 'GlobalSecondaryIndexName')?.Value ?? null);
    expect(indexes.sort()).toEqual(['byMember', null]);
    expect(onTable('ReadThrottleEvents')).toHaveLength(2);
    expect(onTable('SystemErrors').length).toBe(1);
  });

  it('alarms on failed invocations of every EventBridge rule and failed notifications of every topic', () => {
    const rules = ids('AWS::Events::Rule');
    expect(rules).toHaveLength(2);
    for (const rule of rules) expect(alarmsOn('FailedInvocations', 'RuleName', { Ref: rule }), rule).toHaveLength(1);
    const notification = ids('AWS::SNS::Topic').find((id) => id !== opsTopic())!;
    expect(alarmsOn('NumberOfNotificationsFailed', 'TopicName', { 'Fn::GetAtt': [notification, 'TopicName'] })).toHaveLength(1);
  });

  it('shows every alarm on one dashboard', () => {
    const [dashboard] = Object.values(s.resources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard!.Properties.DashboardBody);
    for (const id of ids('AWS::CloudWatch::Alarm')) expect(body, id).toContain(`"${id}"`);
  });

  it('has every function log JSON at INFO', () => {
    for (const [id, fn] of Object.entries(s.resources('AWS::Lambda::Function'))) {
      expect(fn.Properties.LoggingConfig, id).toMatchObject({ LogFormat: 'JSON' });
      expect(fn.Properties.Environment.Variables.LOG_LEVEL, id).toBe('INFO');
    }
  });
});
