/**
 * Change notifications, run on the `files` table's stream: every newly committed change record
 * (`V#…` INSERT) becomes one `FileChanged` event on the bus named by `EVENT_BUS`, whose rules fan it
 * out to the topic, the queue and webhooks (infra/api.ts). An insert's or delete's change record
 * carries its audience as the commit saw it (owner, members, and who muted it or, in older records,
 * the recipients); for a modify's (which carries none, so an edit's write does not grow with the
 * member list) the members are read with one consistent Query per file and batch. Each change is
 * handled on its own: one that cannot be read or built, or that EventBridge does not accept, is logged
 * and reported in the partial batch response (shared/stream-batch.ts), so the stream retries from it
 * while the others go out. Delivery is at least once, and `detail.changeId` lets consumers drop repeats.
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { dynamodb, filesTable } from '../snapshot/dynamodb.ts';
import { log } from '../shared/log.ts';
import { StreamBatch, type BatchItemFailure } from '../shared/stream-batch.ts';
import { buildDetail, carriesAudience, changeFields, chunks, newChangeRecords, toEntry, type FileState, type StreamRecord } from './events.ts';

let cached: { endpoint: string | undefined; client: EventBridgeClient } | undefined;

function eventBridge(): EventBridgeClient {
  // Locally AWS_ENDPOINT_URL_EVENTBRIDGE names the runtime's bus; rebuilt when it changes (tests).
  const endpoint = process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
  if (cached?.endpoint !== endpoint) cached = { endpoint, client: new EventBridgeClient({}) };
  return cached!.client;
}

function busName(): string {
  const b = process.env.EVENT_BUS;
  if (!b) throw new Error('EVENT_BUS is not set');
  return b;
}

export async function handler(event: { Records?: StreamRecord[] }): Promise<{ published: string[]; batchItemFailures: BatchItemFailure[] }> {
  const batch = new StreamBatch('notify');
  const changes = newChangeRecords(event.Records ?? []);
  const states = new Map<string, Promise<FileState>>();
  const entries: Array<{ record: StreamRecord; fields: ReturnType<typeof changeFields>; entry: ReturnType<typeof toEntry> }> = [];
  for (const { record, change } of changes) {
    const fields = changeFields(change);
    try {
      let state: Promise<FileState> | undefined = carriesAudience(change) ? Promise.resolve({ acl: [] }) : states.get(fields.fileId);
      if (!state) states.set(fields.fileId, (state = fileState(fields.fileId)));
      entries.push({ record, fields, entry: toEntry(buildDetail(change, await state), busName()) });
    } catch (e) {
      // A change that cannot become an event (a failed read, an unknown op) fails alone.
      batch.fail(record, e, fields);
    }
  }
  const published: string[] = [];
  for (const chunk of chunks(entries)) {
    let results: Array<{ ErrorCode?: string; ErrorMessage?: string }>;
    try {
      const out = await eventBridge().send(new PutEventsCommand({ Entries: chunk.map((c) => c.entry) }));
      results = out.Entries ?? [];
      if (results.length !== chunk.length) throw new Error(`PutEvents answered ${results.length} entries for ${chunk.length}`);
    } catch (e) {
      for (const c of chunk) batch.fail(c.record, e, c.fields);
      continue;
    }
    chunk.forEach((c, i) => {
      const r = results[i]!;
      // The stream redelivers from the first failed record; accepted events may go out again (same changeId).
      if (r.ErrorCode) batch.fail(c.record, new Error(`PutEvents entry failed: ${r.ErrorCode} ${r.ErrorMessage ?? ''}`.trim()), c.fields);
      else {
        published.push(c.fields.changeId);
        log('INFO', 'FileChanged published', { handler: 'notify', ...c.fields });
      }
    });
  }
  return { published, batchItemFailures: batch.failures() };
}

/** The head and every member item: `pk = FILE#<id> AND sk BETWEEN 'ACL#' AND 'HEAD'` (the BODY between them is skipped). */
async function fileState(fileId: string): Promise<FileState> {
  const state: FileState = { acl: [] };
  let ExclusiveStartKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await dynamodb().send(
      new QueryCommand({
        TableName: filesTable(),
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :acl AND :head',
        ExpressionAttributeValues: { ':pk': { S: `FILE#${fileId}` }, ':acl': { S: 'ACL#' }, ':head': { S: 'HEAD' } },
        // Only what the audience needs (not the body's content, which sorts in the same range).
        ProjectionExpression: 'pk, sk, #member, #role, muted, #owner',
        ExpressionAttributeNames: { '#member': 'member', '#role': 'role', '#owner': 'owner' },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    for (const raw of page.Items ?? []) {
      const item = unmarshall(raw) as Record<string, NativeAttributeValue>;
      if (item.sk === 'HEAD') state.head = item;
      else if (String(item.sk).startsWith('ACL#')) state.acl.push(item);
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return state;
}
