import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../api.ts';
import { discoverResolvers, WiringError } from '../wiring/discover.ts';
import { checkDefinition } from '../wiring/check.ts';
import { synthStack, type CfnProps, type Synthesized } from './testing.ts';

const HOOKS = ['https://hooks.example.com/craft-sync', 'https://ops.example.net/in?src=craft'];
const PATTERN = { source: ['craft-sync.files'], 'detail-type': ['FileChanged'] };

/** The declaration's bus rules and the notify handler, deployed with two webhooks configured. */
describe('notifications in AWS', () => {
  let s: Synthesized;
  beforeAll(async () => {
    s = await synthStack(api, { webhooks: HOOKS });
  });
  afterAll(() => s.dispose());

  const id = (construct: { node: { defaultChild?: unknown } }) => s.stack.getLogicalId(construct.node.defaultChild as never);
  const rule = (key: string): CfnProps => {
    const r = s.stack.notifications.rules[key];
    expect(r, key).toBeDefined();
    return s.template.toJSON().Resources[id(r!)].Properties as CfnProps;
  };

  it('routes FileChanged on the events bus to the topic and the queue, failed deliveries to the dead-letter queue', () => {
    const p = rule('events.fileChangedToSubscribers');
    expect(p.EventBusName).toEqual({ Ref: id(s.stack.stores.buses.events!) });
    expect(p.EventPattern).toEqual({ source: PATTERN.source, 'detail-type': PATTERN['detail-type'] });
    const dlq = { 'Fn::GetAtt': [id(s.stack.notifications.deadLetterQueue), 'Arn'] };
    const publishRole = { 'Fn::GetAtt': [id(s.stack.notifications.publishRole!), 'Arn'] };
    expect(p.Targets).toEqual([
      expect.objectContaining({
        Arn: { Ref: id(s.stack.notifications.topics.notifications!) },
        RoleArn: publishRole,
        DeadLetterConfig: { Arn: dlq },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      }),
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [id(s.stack.notifications.queues.notifications!), 'Arn'] }, DeadLetterConfig: { Arn: dlq } }),
    ]);
    // The rule publishes to the topic as its role (sns:Publish on this topic, kms on its key); no topic or
    // key policy trusts the EventBridge service. The queue's policy lets EventBridge send, for this rule only.
    const roleStatements = (Object.values(s.template.findResources('AWS::IAM::Policy')) as CfnProps[])
      .filter((pol) => (pol.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === id(s.stack.notifications.publishRole!)))
      .flatMap((pol) => pol.Properties.PolicyDocument.Statement as CfnProps[]);
    expect(roleStatements).toEqual([
      expect.objectContaining({ Action: 'sns:Publish', Resource: { Ref: id(s.stack.notifications.topics.notifications!) } }),
      expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: { 'Fn::GetAtt': [id(s.stack.notifications.key), 'Arn'] } }),
    ]);
    const role = s.template.toJSON().Resources[id(s.stack.notifications.publishRole!)].Properties as CfnProps;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 'events.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }),
    ]);
    const servicePrincipals = (type: string, doc: string) =>
      (Object.values(s.template.findResources(type)) as CfnProps[]).flatMap((r) => (r.Properties[doc].Statement as CfnProps[]).filter((st) => st.Principal?.Service === 'events.amazonaws.com'));
    expect(servicePrincipals('AWS::SNS::TopicPolicy', 'PolicyDocument')).toEqual([]);
    expect(servicePrincipals('AWS::KMS::Key', 'KeyPolicy')).toEqual([]);
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['sqs:SendMessage']), Principal: { Service: 'events.amazonaws.com' }, Condition: { ArnEquals: { 'aws:SourceArn': Match.anyValue() } } }),
        ]),
      },
    });
    s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [id(s.stack.notifications.key), 'Arn'] } });
  });

  it('queues one message per webhook for the delivery function, which reads the signing key and reports failed messages', () => {
    const n = s.stack.notifications;
    const p = rule('events.fileChangedToWebhooks');
    expect(p.EventPattern).toEqual({ source: PATTERN.source, 'detail-type': PATTERN['detail-type'] });
    const queueArn = { 'Fn::GetAtt': [id(n.webhookQueue!), 'Arn'] };
    const dlq = { 'Fn::GetAtt': [id(n.deadLetterQueue), 'Arn'] };
    // Each webhook: the webhook queue, the message `{ webhook, event }` (the whole event: EventBridge's predefined
    // aws.events.event.json, with its detail), the common retry and dead-letter queue.
    expect(p.Targets).toEqual(
      HOOKS.map((url) =>
        expect.objectContaining({
          Arn: queueArn,
          InputTransformer: { InputTemplate: `{"webhook":${JSON.stringify(url)},"event":<aws.events.event.json>}` },
          DeadLetterConfig: { Arn: dlq },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        }),
      ),
    );
    const q = s.template.toJSON().Resources[id(n.webhookQueue!)].Properties as CfnProps;
    const webhookDlq = { 'Fn::GetAtt': [id(n.webhookDeadLetterQueue!), 'Arn'] };
    expect(q).toMatchObject({ RedrivePolicy: { deadLetterTargetArn: webhookDlq, maxReceiveCount: 12 }, SqsManagedSseEnabled: true, VisibilityTimeout: 60, MessageRetentionPeriod: 4 * 86400 });

    // The delivery function: the bundled webhooks handler, its URLs and the secret's ARN (never the value).
    const fnId = id(n.webhookDelivery!.fn);
    const fn = s.template.toJSON().Resources[fnId].Properties as CfnProps;
    const secret = id(n.webhookSecret!);
    expect(fn.Environment.Variables).toEqual({
      WEBHOOK_URLS: HOOKS.join(','),
      WEBHOOK_SECRET_ARN: { Ref: secret },
      WEBHOOK_TIMEOUT_MS: '5000',
      WEBHOOK_QUEUE_URL: { Ref: id(n.webhookQueue!) },
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(fn.Timeout).toBe(10);
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId },
      EventSourceArn: queueArn,
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      // Bounded delivery concurrency.
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    s.template.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true } });

    // Least privilege: GetSecretValue on that secret only, consume that queue only; nothing else may read the secret.
    const statements = Object.values(s.template.findResources('AWS::IAM::Policy'))
      .filter((pol: CfnProps) => (pol.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === id(n.webhookDelivery!.role)))
      .flatMap((pol: CfnProps) => pol.Properties.PolicyDocument.Statement as CfnProps[]);
    expect(statements.filter((st) => [st.Action].flat().some((a: string) => a.startsWith('secretsmanager:')))).toEqual([
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: { Ref: secret } },
    ]);
    expect(statements.filter((st) => [st.Action].flat().some((a: string) => a.startsWith('sqs:')))).toEqual([
      expect.objectContaining({ Action: expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']), Resource: queueArn }),
    ]);
    const secretReaders = Object.values(s.template.findResources('AWS::IAM::Policy')).filter((pol: CfnProps) =>
      JSON.stringify(pol.Properties.PolicyDocument).includes(`"Ref":"${secret}"`),
    ) as CfnProps[];
    expect(secretReaders.map((pol) => pol.Properties.Roles)).toEqual([[{ Ref: id(n.webhookDelivery!.role) }]]);
    // The API destination path is gone.
    s.template.resourceCountIs('AWS::Events::ApiDestination', 0);
    s.template.resourceCountIs('AWS::Events::Connection', 0);
    expect(s.template.toJSON().Outputs.WebhookSecretArn.Value).toEqual({ Ref: secret });
  });

  it("gives each source its own dead-letter queue: the queues' redrivable back to them, the rules' (raw events) not: those replay from the archive", () => {
    const n = s.stack.notifications;
    const props = (q: { node: { defaultChild?: unknown } }) => s.template.toJSON().Resources[id(q)].Properties as CfnProps;
    expect(props(n.deadLetterQueue)).toMatchObject({ RedriveAllowPolicy: { redrivePermission: 'denyAll' }, MessageRetentionPeriod: 14 * 86400 });
    for (const dlq of [n.queueDeadLetterQueues.notifications!, n.webhookDeadLetterQueue!]) {
      expect(props(dlq)).toMatchObject({ RedriveAllowPolicy: { redrivePermission: 'allowAll' }, MessageRetentionPeriod: 14 * 86400, SqsManagedSseEnabled: true });
    }
    expect(props(n.queues.notifications!).RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [id(n.queueDeadLetterQueues.notifications!), 'Arn'] }, maxReceiveCount: 5 });
    // Three sources, three queues, none shared; every one has its depth and age alarms.
    expect(new Set(Object.values(n.deadLetterQueues)).size).toBe(3);
    const alarmed = Object.values(s.template.findResources('AWS::CloudWatch::Alarm')).map((a: CfnProps) => JSON.stringify(a.Properties.Dimensions ?? a.Properties.Metrics ?? ''));
    for (const dlq of Object.values(n.deadLetterQueues)) expect(alarmed.filter((d) => d.includes(id(dlq))).length, id(dlq)).toBeGreaterThanOrEqual(2);
  });

  it('archives every event of the bus for 30 days, to replay from', () => {
    s.template.resourceCountIs('AWS::Events::Archive', 1);
    s.template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [id(s.stack.stores.buses.events!), 'Arn'] },
      RetentionDays: 30,
      EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
    });
  });

  it('runs the notify handler on the files stream with the bus name, PutEvents on that bus only, and read-only table access', () => {
    const fns = Object.entries(s.template.findResources('AWS::Lambda::Function')).filter(([fid]) => fid.startsWith('StreamHandlerfilesnotify'));
    expect(fns).toHaveLength(1);
    const [fnId, fn] = fns[0] as [string, CfnProps];
    expect(fn.Properties.Environment.Variables).toMatchObject({ EVENT_BUS: { Ref: id(s.stack.stores.buses.events!) }, FILES_TABLE: { Ref: id(s.stack.stores.tables.files!) } });
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionName: { Ref: fnId }, StartingPosition: 'TRIM_HORIZON', BisectBatchOnFunctionError: true });
    const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
    const statements = Object.values(s.template.findResources('AWS::IAM::Policy'))
      .filter((p: CfnProps) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
      .flatMap((p: CfnProps) => p.Properties.PolicyDocument.Statement as CfnProps[]);
    const actions = statements.flatMap((st) => [st.Action].flat() as string[]);
    expect(statements.filter((st) => [st.Action].flat().includes('events:PutEvents'))).toEqual([
      expect.objectContaining({ Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [id(s.stack.stores.buses.events!), 'Arn'] } }),
    ]);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:GetRecords']));
    expect(actions.filter((a) => a.startsWith('dynamodb:') && !STREAM_READ.includes(a))).toEqual(['dynamodb:Query']);
    for (const write of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 's3:PutObject']) expect(actions).not.toContain(write);
  });

  it('passes cdk-nag with the webhook resources present', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(s.stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});

/** What the event source mapping grants every stream handler to read its stream. */
const STREAM_READ = ['dynamodb:ListStreams', 'dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'];

describe('notifications without webhooks, and bad settings', () => {
  it('leaves out a rule whose only target is webhooks when none are configured', async () => {
    const s = await synthStack(api);
    try {
      expect(Object.keys(s.stack.notifications.rules)).toEqual(['events.fileChangedToSubscribers']);
      s.template.resourceCountIs('AWS::Events::Rule', 1);
      s.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
      expect(s.stack.notifications.webhookQueue).toBeUndefined();
      expect(s.stack.notifications.webhookDelivery).toBeUndefined();
      expect(Object.keys(s.template.findResources('AWS::Lambda::EventSourceMapping')).length).toBe(3);
    } finally {
      s.dispose();
    }
  });

  it('refuses a webhook that is not https or would break the URL list or the input template, and more webhooks than a rule can hold', async () => {
    await expect(synthStack(api, { webhooks: ['http://insecure.example.com/hook'] })).rejects.toThrow(WiringError);
    for (const bad of ['https://a.example.com/x,y', 'https://a.example.com/<f1>', 'https://a.example.com/"q']) {
      await expect(synthStack(api, { webhooks: [bad] })).rejects.toThrow(/webhooks need an https:\/\/ URL/);
    }
    const six = Array.from({ length: 6 }, (_, i) => `https://h${i}.example.com/`);
    await expect(synthStack(api, { webhooks: six })).rejects.toThrow(/6 targets; EventBridge allows 5 per rule/);
  });

  it('refuses an event pattern field EventBridge does not have', async () => {
    const bad = structuredClone(api);
    bad.root = api.root;
    bad.buses!.events!.rules!.fileChangedToSubscribers!.eventPattern = { sauce: ['x'] };
    await expect(synthStack(bad)).rejects.toThrow(/event pattern field "sauce"/);
  });

  it('refuses, before synth, a rule naming an undeclared topic or queue and a stream handler naming an undeclared bus', () => {
    const wiring = discoverResolvers(api);
    const withTargets = (targets: Array<{ topic: string } | { queue: string }>) => {
      const d = structuredClone(api);
      d.buses!.events!.rules!.fileChangedToSubscribers!.targets = targets;
      return d;
    };
    expect(() => checkDefinition(withTargets([{ topic: 'pager' }]), wiring)).toThrow(/rule "fileChangedToSubscribers": topic "pager" is not declared/);
    expect(() => checkDefinition(withTargets([{ queue: 'billing' }]), wiring)).toThrow(/queue "billing" is not declared/);
    const d = structuredClone(api);
    d.streamHandlers!.find((h) => h.handler.includes('/notify/'))!.grants = { buses: ['audit'] };
    expect(() => checkDefinition(d, wiring)).toThrow(/notify\/handler.ts grants: event bus "audit" is not declared/);
    expect(() => checkDefinition(api, wiring)).not.toThrow();
  });
});
