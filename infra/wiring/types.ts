/**
 * The one wiring declaration: which schema, which tables, which data sources, and (through the
 * file tree under `resolversDir`) which resolver serves which field. The CDK stack (infra/aws) and
 * the local runtime (infra/local) both read a value of this type, so what is tested locally is
 * what is deployed. Nothing here is specific to one API.
 */

export type AttributeType = 'S' | 'N' | 'B';

export interface KeyDef {
  name: string;
  type: AttributeType;
}

export interface IndexDef {
  indexName: string;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
}

export interface TableDef {
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  globalSecondaryIndexes?: IndexDef[];
  /** Same partition key as the table, another sort key. */
  localSecondaryIndexes?: IndexDef[];
  /** Stream view type; the local runtime reads DynamoDB Local's stream, AWS its real one. */
  stream?: 'NEW_AND_OLD_IMAGES' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'KEYS_ONLY';
  /** Attribute holding an epoch-seconds expiry. */
  timeToLiveAttribute?: string;
  /**
   * The table's fixed name in AWS (CloudFormation `TableName`), when it has one: batch and
   * transaction requests that name it reach the local table too.
   */
  deployedName?: string;
}

export interface BucketDef {
  /** Origins allowed to PUT/GET from a browser (CORS). */
  corsAllowedOrigins?: string[];
  /** Objects deleted a number of days after they were written (S3 lifecycle expiration; the local S3 sweeps the same). */
  expire?: ExpiryRuleDef[];
}

/** Objects under `prefix` carrying every one of `tags` expire `days` after they were written. */
export interface ExpiryRuleDef {
  id: string;
  prefix: string;
  tags: Record<string, string>;
  days: number;
}

/** A value for an environment variable: a literal, or the deployed name of a declared resource. */
export type EnvValue = string | { tableName: string } | { bucketName: string } | { busName: string };

/** DynamoDB IAM actions (a transaction needs those of its items: TransactWriteItems is authorized per item). */
export type DynamoAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem' | 'Query' | 'Scan' | 'BatchGetItem' | 'BatchWriteItem';

/** Exactly these actions on one table; Query / Scan among them also on the named indexes. */
export interface TableGrantDef {
  table: string;
  actions: DynamoAction[];
  indexes?: string[];
}

export type DataSourceDef =
  | { kind: 'NONE'; description?: string }
  | {
      kind: 'DYNAMODB';
      table: string;
      /** What the AppSync role may do (default: CDK's read/write set on the table and every index). */
      grant?: Omit<TableGrantDef, 'table'>;
      description?: string;
    }
  | {
      kind: 'LAMBDA';
      /** Module path relative to `root`; it exports `handler(event, context)`. */
      handler: string;
      environment?: Record<string, EnvValue>;
      /** Table keys / bucket keys / bus keys the function may use (least privilege in AWS); `items`: exact table actions. */
      grants?: { tables?: string[]; items?: TableGrantDef[]; buckets?: string[]; buses?: string[]; objects?: ObjectGrantDef[] };
      description?: string;
    }
  | { kind: 'EVENTBRIDGE'; bus: string; description?: string }
  /**
   * An HTTP endpoint (`https://host[:port]`); requests add `resourcePath`. Locally only loopback
   * endpoints are called; `httpEndpoints` of the local runtime points one at a local stand-in.
   */
  | { kind: 'HTTP'; endpoint: string; description?: string };

/**
 * A function run on a table's stream: in AWS a Lambda with a DynamoDB event source mapping, locally
 * the same handler fed by DynamoDB Local's stream (infra/local/services/stream-trigger.ts). It gets
 * Lambda's stream event `{ Records }` and answers with a partial batch response
 * (`{ batchItemFailures: [{ itemIdentifier: <SequenceNumber> }] }`); a thrown error fails the whole
 * batch. Retries and the failure destination: infra/wiring/stream-delivery.ts.
 */
export interface StreamHandlerDef {
  /** Table key; its TableDef must declare a stream. */
  table: string;
  /** Module path relative to `root`; it exports `handler(event)`. */
  handler: string;
  /** Records per invocation (default 100). */
  batchSize?: number;
  /**
   * Lambda event filter patterns on the stream record (`eventName`, `dynamodb.Keys`, `dynamodb.NewImage`,
   * ...), at most five; a record is delivered when it matches any. None: every record.
   */
  filters?: Array<Record<string, unknown>>;
  environment?: Record<string, EnvValue>;
  /**
   * `items`: exactly the named actions on a table (prefer it); `tables`: read and write; `readTables`:
   * read only (GetItem, Query, ...); buckets, buses as for Lambda data sources; `objects`: S3 access
   * narrower than `buckets`, by key prefix.
   */
  grants?: { tables?: string[]; readTables?: string[]; items?: TableGrantDef[]; buckets?: string[]; buses?: string[]; objects?: ObjectGrantDef[] };
  description?: string;
}

/**
 * S3 actions on one declared bucket's objects under key prefixes ('' = every key): `read` GetObject
 * (and so HeadObject), `write` PutObject (and so UploadPart), `delete` DeleteObject, `multipart`
 * abort and list parts, `list` ListBucket limited to requests whose `prefix` lies under one of these
 * prefixes.
 */
export interface ObjectGrantDef {
  bucket: string;
  read?: string[];
  write?: string[];
  delete?: string[];
  /** AbortMultipartUpload and ListMultipartUploadParts under these prefixes. */
  multipart?: string[];
  /** GetObjectTagging and PutObjectTagging (also needed to write an object with tags) under these prefixes. */
  tag?: string[];
  list?: string[];
  /** ListBucket on the whole bucket, without which a missing key answers 403 instead of 404. */
  listBucket?: boolean;
}

/**
 * An event bus and its rules. In AWS an EventBridge bus with one rule per entry; locally the
 * runtime's bus (infra/local/services/event-bus.ts) with the same patterns and targets.
 */
export interface BusDef {
  description?: string;
  rules?: Record<string, RuleDef>;
}

/** An EventBridge rule: events matching `eventPattern` go to every target. */
export interface RuleDef {
  /** An EventBridge event pattern (the local bus supports the subset in event-pattern.ts). */
  eventPattern: Record<string, unknown>;
  targets: RuleTargetDef[];
  description?: string;
}

/**
 * Where a rule sends an event (the whole event JSON, as EventBridge delivers it):
 * - `topic`: a declared topic (SNS in AWS; locally an outbox directory plus HTTP subscribers);
 * - `queue`: a declared queue (SQS with its dead-letter queue; locally a file-backed queue);
 * - `webhooks`: every webhook the deployment configures, one message each for the definition's
 *   `webhookDelivery` handler (an SQS queue and Lambda in AWS, invoked by the local bus locally). URLs are deployment settings, not part of the declaration.
 */
export type RuleTargetDef = { topic: string } | { queue: string } | { webhooks: true };

/**
 * A topic or queue's names in AWS, both optional: `constructId` is its construct id (default
 * `Topic_<key>` / `Queue_<key>`; a deployed one keeps its logical id only while this stays the same),
 * `output` the stack output holding its ARN (topic) or URL (queue) (default `Topic<Key>Arn` /
 * `Queue<Key>Url`).
 */
export interface AwsNamesDef {
  constructId?: string;
  output?: string;
}

export interface TopicDef extends AwsNamesDef {
  description?: string;
}

export interface QueueDef extends AwsNamesDef {
  description?: string;
}

/**
 * Delivers the messages of `{ webhooks: true }` targets (`{ webhook: <url>, event }`): in AWS a Lambda
 * on an SQS webhook queue, locally the same handler invoked by the local bus.
 */
export interface WebhookDeliveryDef {
  /** Module path relative to `root`; it exports `handler(sqsEvent)` and answers with a partial batch response. */
  handler: string;
  /** Receives of one message before its queue moves it to the dead-letter queue (the handler's backoff spans them). */
  maxReceives: number;
  description?: string;
}

export type AuthMode = 'AMAZON_COGNITO_USER_POOLS' | 'API_KEY' | 'AWS_IAM';

export interface ApiDefinition {
  name: string;
  /** Absolute directory all other paths are relative to. */
  root: string;
  /** GraphQL SDL files, relative to root, concatenated in order. */
  schema: string[];
  /** Folder holding `Type.field.[dataSource].ts` unit resolvers and `Type.field/` pipelines. */
  resolversDir: string;
  authentication: { default: AuthMode; additional?: AuthMode[] };
  tables: Record<string, TableDef>;
  buckets?: Record<string, BucketDef>;
  /** Event buses by key, with their rules. */
  buses?: Record<string, BusDef>;
  /** Notification topics by key (SNS in AWS), targets of bus rules. */
  topics?: Record<string, TopicDef>;
  /** Queues by key (SQS with a dead-letter queue in AWS), targets of bus rules. */
  queues?: Record<string, QueueDef>;
  /** The function `{ webhooks: true }` rule targets deliver through; required when a rule targets webhooks. */
  webhookDelivery?: WebhookDeliveryDef;
  dataSources: Record<string, DataSourceDef>;
  /** Functions run on table streams (snapshots, notifications). */
  streamHandlers?: StreamHandlerDef[];
  /** AppSync environment variables, visible to resolvers as `ctx.env`. */
  environment?: Record<string, EnvValue>;
  /**
   * A browser app `npm start` builds and serves at `/app/` on the API's port: a module (relative
   * to root) exporting `buildWebApp(outDir)`, which writes the app (index.html and its files) there.
   * Without one, nothing is built or served there.
   */
  webApp?: { build: string };
}

/** One pipeline function: `N.name.[dataSource].ts` inside a `Type.field/` folder. */
export interface FunctionWiring {
  /** Unique name, e.g. `Mutation_modifyFile_1_authorize`. */
  name: string;
  order: number;
  dataSource: string;
  /** Source file, absolute path. */
  file: string;
}

export interface ResolverWiring {
  typeName: string;
  fieldName: string;
  kind: 'UNIT' | 'PIPELINE';
  /** UNIT: the data source; PIPELINE: undefined. */
  dataSource?: string;
  /** UNIT: the resolver file. PIPELINE: the optional `pipeline.ts` with before/after (request/response). */
  file?: string;
  functions: FunctionWiring[];
}
