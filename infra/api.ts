/**
 * craft-sync's own wiring declaration: the one value the CDK stack (infra/aws) and the local
 * runtime (infra/local) both read. Resolvers are wired by the file tree under resolvers/
 * (see infra/wiring/discover.ts); the data model is described in resolvers/README.md.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiDefinition } from './wiring/types.ts';
import { UPLOAD_COMMIT_DAYS, UPLOAD_TAG } from '../resolvers/lib/limits.ts';
import { WEBHOOK_MAX_RECEIVES } from '../resolvers/handlers/webhooks/backoff.ts';

/**
 * Stream filters (Lambda filter patterns; the local trigger applies the same). Each edit writes a
 * head update, a change record, an idempotency record and member updates; a handler sees only the
 * records it acts on. Keys: resolvers/lib/keys.ts.
 */
const changeRecordInserted = { eventName: ['INSERT'], dynamodb: { Keys: { pk: { S: [{ prefix: 'FILE#' }] }, sk: { S: [{ prefix: 'V#' }] } } } };
const headModified = { eventName: ['MODIFY'], dynamodb: { Keys: { pk: { S: [{ prefix: 'FILE#' }] }, sk: { S: ['HEAD'] } } } };
const modifyCommitted = { ...changeRecordInserted, dynamodb: { ...changeRecordInserted.dynamodb, NewImage: { op: { S: ['MODIFY'] } } } };
/** An idempotency record removed (only TTL removes them): its file may have gone quiet with a tail after its base. */
const requestExpired = { eventName: ['REMOVE'], dynamodb: { Keys: { pk: { S: [{ prefix: 'FILE#' }] }, sk: { S: [{ prefix: 'REQ#' }] } } } };

export const api: ApiDefinition = {
  name: 'craft-sync',
  root: resolve(dirname(fileURLToPath(import.meta.url)), '..'),
  // The core schema, and self-contained extensions (members, presence) beside it.
  schema: ['schema/schema.graphql', 'schema/members.graphql', 'schema/presence.graphql'],
  resolversDir: 'resolvers',
  // Users sign in with Cognito; backend functions (compaction, notifications) call with IAM.
  authentication: { default: 'AMAZON_COGNITO_USER_POOLS', additional: ['AWS_IAM'] },
  tables: {
    files: {
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
      globalSecondaryIndexes: [
        // A member's files by last change: listFiles (newest first) and syncFiles (since a cursor).
        { indexName: 'byMember', partitionKey: { name: 'member', type: 'S' }, sortKey: { name: 'syncKey', type: 'S' } },
      ],
      // Compaction and notifications read committed changes from the stream.
      stream: 'NEW_AND_OLD_IMAGES',
      // Change records, idempotency records and removed members' index items expire.
      timeToLiveAttribute: 'expiresAt',
    },
  },
  // File content too large to travel inline: uploaded and downloaded with presigned URLs.
  // Uploads are written tagged `upload=pending` and re-tagged `committed` by the first commit naming
  // them; one never committed expires with its session's quota reservation (resolvers/lib/quota.ts).
  buckets: { content: { expire: [{ id: 'expire-uncommitted-uploads', prefix: 'uploads/', tags: { [UPLOAD_TAG]: 'pending' }, days: UPLOAD_COMMIT_DAYS }] } },
  dataSources: {
    files: {
      kind: 'DYNAMODB',
      table: 'files',
      // What the resolvers send (transactions are authorized per item: Put, Update, and Delete of a deleted file's BODY); listFiles / syncFiles query byMember.
      grant: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'], indexes: ['byMember'] },
      description: 'heads, change log, members, idempotency records',
    },
    none: { kind: 'NONE', description: 'calls nothing: the presence relay (announcePresence hands its input to onPresence)' },
    content: {
      kind: 'LAMBDA',
      handler: 'resolvers/handlers/content/handler.ts',
      environment: { CONTENT_BUCKET: { bucketName: 'content' }, FILES_TABLE: { tableName: 'files' } },
      // UpdateItem: a committed upload's bytes move from the user's open sessions to their committed total (USER#<sub> / USAGE).
      // Writes only under uploads/ (presigned PUTs and parts, a discarded upload); reads any key (downloads
      // of uploads and snapshots); ListBucket so that a missing upload answers 404.
      // Tags under uploads/: an upload is written tagged pending and re-tagged committed by its first commit.
      grants: {
        items: [{ table: 'files', actions: ['UpdateItem'] }],
        objects: [{ bucket: 'content', read: [''], write: ['uploads/'], delete: ['uploads/'], multipart: ['uploads/'], tag: ['uploads/'], listBucket: true }],
      },
      description: 'upload sessions, the commit check of an upload, download URLs',
    },
  },
  // Snapshot compaction: re-materializes S3-held text after a bounded run of patches.
  streamHandlers: [
    {
      table: 'files',
      handler: 'resolvers/handlers/snapshot/handler.ts',
      batchSize: 100,
      // New change records (a file may pass the bound), head updates (a pointer may have moved) and
      // expired idempotency records (a file gone quiet: its tail settled into its base).
      filters: [changeRecordInserted, headModified, requestExpired],
      environment: { FILES_TABLE: { tableName: 'files' }, CONTENT_BUCKET: { bucketName: 'content' } },
      // Reads any content object; writes, lists and deletes (superseded snapshots) only under snapshots/.
      // PutItem: a quiet file's BODY moved up to its head (idle.ts).
      grants: {
        items: [{ table: 'files', actions: ['GetItem', 'Query', 'UpdateItem', 'PutItem'] }],
        objects: [{ bucket: 'content', read: [''], write: ['snapshots/'], delete: ['snapshots/'], list: ['snapshots/'] }],
      },
      description: "snapshots of S3-held content every 50 patches; superseded snapshots deleted; quiet files' tails settled into their base",
    },
    {
      table: 'files',
      handler: 'resolvers/handlers/members/handler.ts',
      batchSize: 100,
      filters: [modifyCommitted],
      environment: { FILES_TABLE: { tableName: 'files' } },
      grants: { items: [{ table: 'files', actions: ['Query', 'UpdateItem'] }] },
      description: 'member index items (listFiles, syncFiles) brought up to the head after modifies, once per file and batch',
    },
    {
      table: 'files',
      handler: 'resolvers/handlers/notify/handler.ts',
      batchSize: 100,
      filters: [changeRecordInserted],
      environment: { FILES_TABLE: { tableName: 'files' }, EVENT_BUS: { busName: 'events' } },
      grants: { items: [{ table: 'files', actions: ['Query'] }], buses: ['events'] },
      description: 'one FileChanged event per committed change on the events bus',
    },
  ],
  // Change notifications beyond subscriptions: the notify stream handler puts one FileChanged event
  // per committed change on `events`; its rules fan events out (README "Notifications").
  buses: {
    events: {
      description: 'craft-sync change events',
      rules: {
        fileChangedToSubscribers: {
          description: 'FileChanged to the e-mail / SMS / push topic and the integrations queue',
          eventPattern: { source: ['craft-sync.files'], 'detail-type': ['FileChanged'] },
          targets: [{ topic: 'notifications' }, { queue: 'notifications' }],
        },
        fileChangedToWebhooks: {
          description: 'FileChanged to every configured webhook',
          eventPattern: { source: ['craft-sync.files'], 'detail-type': ['FileChanged'] },
          targets: [{ webhooks: true }],
        },
      },
    },
  },
  // constructId and output: the names these have had in AWS since the first deploy.
  topics: { notifications: { description: 'FileChanged for e-mail / SMS / push; filter on detail.members', constructId: 'Topic', output: 'NotificationTopicArn' } },
  queues: { notifications: { description: 'FileChanged for integrations', constructId: 'Queue', output: 'NotificationQueueUrl' } },
  // Signs and POSTs each FileChanged to its webhook, retrying with backoff (a minute doubling to four hours) over these receives.
  webhookDelivery: { handler: 'resolvers/handlers/webhooks/handler.ts', maxReceives: WEBHOOK_MAX_RECEIVES, description: 'signs and POSTs FileChanged events to the configured webhooks' },
  // Transactions name their table: resolvers read it from ctx.env.
  environment: { FILES_TABLE: { tableName: 'files' } },
  // The browser app (client/web), served by `npm start` at /app/.
  webApp: { build: 'client/web/build.ts' },
};
