import { resolve } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Archive, Rule, RuleTargetInput, type EventBus, type EventPattern, type IRuleTarget, type RuleTargetInputProperties } from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WiringError } from '../wiring/discover.ts';
import type { ApiDefinition } from '../wiring/types.ts';
import { LambdaHandler } from './lambda-handler.ts';
import { acknowledge } from './nag.ts';

/** EventBridge allows five targets per rule. */
const MAX_TARGETS = 5;
/** Per-request timeout of a webhook POST; the function's own limit is 10 s and a batch's POSTs run concurrently. */
const WEBHOOK_TIMEOUT_MS = 5000;
/** Webhook deliveries in flight at once (the SQS event source's maximum concurrency; 2 is SQS's least). */
export const WEBHOOK_CONCURRENCY = 5;
/** How long each bus's archive keeps events for replay. */
export const ARCHIVE_RETENTION_DAYS = 30;

export interface NotificationsProps {
  definition: ApiDefinition;
  /** The definition's buses, by key (DataStores). */
  buses: Record<string, EventBus>;
  /** Webhook endpoints (HTTPS) every `{ webhooks: true }` target posts to. */
  webhooks?: string[];
}

/**
 * Where change events fan out beyond GraphQL subscriptions, from the definition's buses, topics and
 * queues (the same declaration the local runtime binds in infra/local/services/notifications.ts):
 * - a topic per declared topic (e-mail / SMS / push), encrypted with a customer-managed key that
 *   lets EventBridge publish; subscribers select a user's files with a MessageBody filter policy on
 *   `detail.members` (an EventBridge SNS target sets no message attributes);
 * - a queue per declared queue (integrations), with its own dead-letter queue for messages that keep
 *   failing (redrive allowed: StartMessageMoveTask moves them back);
 * - with webhooks configured, a webhook queue (its own dead-letter queue, redrive allowed) fed by one
 *   rule target per webhook (`{ webhook: <url>, event: <the event> }`), and the definition's
 *   `webhookDelivery` function on it, at most WEBHOOK_CONCURRENCY at once: it POSTs each event signed
 *   with a key it reads from Secrets Manager and reports failed messages, delaying each one's next
 *   receive with its backoff, until after `maxReceives` receives SQS moves it to the dead-letter queue;
 * - one rule per declared rule. Deliveries EventBridge cannot make after its retries go to the
 *   events dead-letter queue (`deadLetterQueue`: the raw events, replayed from the archive, not redriven);
 * - an archive per bus (every event, ARCHIVE_RETENTION_DAYS) to replay from.
 */
export class Notifications extends Construct {
  readonly key: Key;
  /** The role EventBridge publishes to the topics with (when a rule targets a topic). */
  publishRole?: Role;
  readonly topics: Record<string, Topic> = {};
  readonly queues: Record<string, Queue> = {};
  /** What the rules could not deliver (EventBridge's dead-letter queue for its targets). */
  readonly deadLetterQueue: Queue;
  /** Each declared queue's own dead-letter queue. */
  readonly queueDeadLetterQueues: Record<string, Queue> = {};
  readonly webhookDeadLetterQueue?: Queue;
  readonly archives: Record<string, Archive> = {};
  readonly rules: Record<string, Rule> = {};
  readonly webhookSecret?: Secret;
  readonly webhookQueue?: Queue;
  readonly webhookDelivery?: LambdaHandler;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const def = props.definition;
    // A customer-managed key, because publishing to an encrypted topic needs kms on its key: the
    // rules publish through their own role (below), granted on this key in the role's policy, so
    // the key policy names no service.
    this.key = new Key(this, 'Key', {
      description: `Encrypts ${def.name} notification messages`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // No queue sends here: EventBridge does, and its events are replayed from the archive.
      redriveAllowPolicy: { redrivePermission: RedrivePermission.DENY_ALL },
    });
    acknowledge(
      this.deadLetterQueue,
      'SQS3',
      "This is a dead-letter queue: EventBridge's, for events its rule targets could not take (DeadLetterConfig); no SQS queue redrives into it, so cdk-nag does not see it as one.",
    );
    // A source queue's own: what it moved here can be moved back (StartMessageMoveTask) once the cause is fixed.
    const sourceDeadLetterQueue = (name: string) =>
      new Queue(this, name, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        redriveAllowPolicy: { redrivePermission: RedrivePermission.ALLOW_ALL },
      });
    for (const [key, t] of Object.entries(def.topics ?? {})) {
      this.topics[key] = new Topic(this, t.constructId ?? `Topic_${key}`, { masterKey: this.key, enforceSSL: true, displayName: t.description?.slice(0, 100) });
    }
    for (const [key, q] of Object.entries(def.queues ?? {})) {
      const name = q.constructId ?? `Queue_${key}`;
      this.queueDeadLetterQueues[key] = sourceDeadLetterQueue(`${name}DeadLetterQueue`);
      this.queues[key] = new Queue(this, name, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: Duration.minutes(1),
        deadLetterQueue: { queue: this.queueDeadLetterQueues[key], maxReceiveCount: 5 },
      });
    }

    const webhooks = props.webhooks ?? [];
    for (const url of webhooks) {
      // No commas (the function's WEBHOOK_URLS list), no < > " (the rule's input template).
      if (!/^https:\/\/[^\s,<>"]+$/.test(url)) throw new WiringError(`webhook ${url}: webhooks need an https:// URL without , < > or "`);
    }
    if (webhooks.length > 0) {
      const deliveryDef = def.webhookDelivery;
      if (!deliveryDef) throw new WiringError(`${def.name}: webhooks are configured, but the definition declares no webhookDelivery handler`);
      this.webhookSecret = new Secret(this, 'WebhookSecret', {
        description: `The key ${def.name} signs webhook deliveries with (Standard Webhooks webhook-signature); receivers verify with it`,
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
      });
      acknowledge(
        this.webhookSecret,
        'SMG4',
        'Every webhook receiver verifies signatures with this key: rotating it must be coordinated with them, so it is rotated by hand (README "Notifications").',
      );
      this.webhookDeadLetterQueue = sourceDeadLetterQueue('WebhookDeadLetterQueue');
      this.webhookQueue = new Queue(this, 'WebhookQueue', {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        // Six times the function's timeout, as Lambda advises for SQS event sources; after a failed
        // delivery the function sets the message's own, longer wait (backoff).
        visibilityTimeout: Duration.minutes(1),
        // Kept past the ~16 hours of retries.
        retentionPeriod: Duration.days(4),
        deadLetterQueue: { queue: this.webhookDeadLetterQueue, maxReceiveCount: deliveryDef.maxReceives },
      });
      this.webhookDelivery = new LambdaHandler(this, 'WebhookDelivery', {
        entry: resolve(def.root, deliveryDef.handler),
        description: `${def.name}: ${deliveryDef.description ?? 'webhook delivery'}`,
        environment: {
          WEBHOOK_URLS: webhooks.join(','),
          WEBHOOK_SECRET_ARN: this.webhookSecret.secretArn,
          WEBHOOK_TIMEOUT_MS: String(WEBHOOK_TIMEOUT_MS),
          WEBHOOK_QUEUE_URL: this.webhookQueue.queueUrl,
        },
      });
      // Only the value (no DescribeSecret, no other secret).
      this.webhookDelivery.role.addToPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.webhookSecret.secretArn] }));
      // Bounded: a burst of edits does not become a burst of connections to the receivers (or of Lambdas).
      this.webhookDelivery.fn.addEventSource(new SqsEventSource(this.webhookQueue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: WEBHOOK_CONCURRENCY }));
    }

    const delivery = { deadLetterQueue: this.deadLetterQueue, retryAttempts: 185, maxEventAge: Duration.hours(24) };
    for (const [busKey, bus] of Object.entries(def.buses ?? {})) {
      const eventBus = props.buses[busKey];
      if (!eventBus) throw new WiringError(`bus "${busKey}" has no EventBus`);
      // Every event of the bus, so a consumer that lost some (or a fixed bug) can be replayed (README "Replay").
      this.archives[busKey] = new Archive(this, `Archive_${busKey}`, {
        sourceEventBus: eventBus,
        description: `${def.name}: every event on bus ${busKey}, for replay`,
        eventPattern: { account: [Stack.of(this).account] },
        retention: Duration.days(ARCHIVE_RETENTION_DAYS),
      });
      for (const [ruleKey, rule] of Object.entries(bus.rules ?? {})) {
        const where = `bus "${busKey}" rule "${ruleKey}"`;
        const ruleTargets: IRuleTarget[] = [];
        for (const t of rule.targets) {
          if ('topic' in t) ruleTargets.push(new targets.SnsTopic(required(this.topics, t.topic, where, 'topic'), { ...delivery, role: this.topicPublisher() }));
          else if ('queue' in t) ruleTargets.push(new targets.SqsQueue(required(this.queues, t.queue, where, 'queue'), delivery));
          else {
            for (const url of webhooks) {
              // One message per webhook, so each is retried (and dead-lettered) on its own.
              ruleTargets.push(new targets.SqsQueue(this.webhookQueue!, { ...delivery, message: new WebhookMessageInput(url) }));
            }
          }
        }
        if (ruleTargets.length > MAX_TARGETS) throw new WiringError(`${where}: ${ruleTargets.length} targets; EventBridge allows ${MAX_TARGETS} per rule`);
        // A rule whose only targets are webhooks, with none configured, is left out.
        if (ruleTargets.length === 0) continue;
        this.rules[`${busKey}.${ruleKey}`] = new Rule(this, `Rule_${busKey}_${ruleKey}`, {
          eventBus,
          description: rule.description,
          eventPattern: toCdkPattern(rule.eventPattern, where),
          targets: ruleTargets,
        });
      }
    }
  }

  /**
   * EventBridge publishes to topics as this role (role-based SNS targets), so no topic or key policy
   * has to trust events.amazonaws.com; each SnsTopic target grants it Publish and the key.
   */
  private topicPublisher(): Role {
    if (this.publishRole) return this.publishRole;
    this.publishRole = new Role(this, 'PublishRole', {
      assumedBy: new ServicePrincipal('events.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'EventBridge rules publishing FileChanged to the notification topics',
    });
    acknowledge(
      this.publishRole,
      'IAM5',
      'Topic.grantPublish grants kms:GenerateDataKey* (GenerateDataKey and GenerateDataKeyWithoutPlaintext) on the notification key only, which publishing to an encrypted topic needs.',
      'Action::kms:GenerateDataKey*',
    );
    return this.publishRole;
  }

  /** Every dead-letter queue, by a name for its alarms. */
  get deadLetterQueues(): Record<string, Queue> {
    const out: Record<string, Queue> = { NotificationsDeadLetterQueue: this.deadLetterQueue };
    for (const [key, q] of Object.entries(this.queueDeadLetterQueues)) out[`Queue_${key}.DeadLetterQueue`] = q;
    if (this.webhookDeadLetterQueue) out.WebhookDeadLetterQueue = this.webhookDeadLetterQueue;
    return out;
  }
}

/**
 * The webhook queue's message `{"webhook":"<url>","event":<the whole event>}`. The whole event is
 * EventBridge's predefined `aws.events.event.json` (the original event with its detail, inserted
 * unescaped, so usable only as a JSON value); CDK's EventField helpers only name JSON paths.
 */
class WebhookMessageInput extends RuleTargetInput {
  constructor(private readonly url: string) {
    super();
  }

  bind(): RuleTargetInputProperties {
    return { inputTemplate: `{"webhook":${JSON.stringify(this.url)},"event":<aws.events.event.json>}` };
  }
}

function required<T>(map: Record<string, T>, key: string, where: string, kind: string): T {
  const v = map[key];
  if (!v) throw new WiringError(`${where}: ${kind} "${key}" is not declared in the API definition`);
  return v;
}

/** CDK's EventPattern names EventBridge's top-level fields in camelCase. */
const TOP_LEVEL: Record<string, keyof EventPattern> = {
  version: 'version',
  id: 'id',
  'detail-type': 'detailType',
  source: 'source',
  account: 'account',
  time: 'time',
  region: 'region',
  resources: 'resources',
  detail: 'detail',
};

export function toCdkPattern(pattern: Record<string, unknown>, where: string): EventPattern {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(pattern)) {
    const field = TOP_LEVEL[k];
    if (!field) throw new WiringError(`${where}: event pattern field "${k}" is not an EventBridge event field`);
    out[field] = v;
  }
  return out as EventPattern;
}
