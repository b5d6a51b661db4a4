/**
 * Change notifications, run on the `files` table's stream: every newly committed change record
 * (`V#…` INSERT) becomes one `FileChanged` event on the bus named by `EVENT_BUS`, whose rules fan it
 * out to the topic, the queue and webhooks (infra/api.ts). An insert's or delete's change record
 * carries its audience as the commit saw it (owner, members, and who muted it or, in older records,
 * the recipients); for a modify's (which carries none, so an edit's write does not grow with the
 * member list) the members are read with one consistent Query per file and batch. Any entry
 * EventBridge does not accept fails the batch, so the
 * stream retries it: delivery is at least once, and `detail.changeId` lets consumers drop repeats.
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { dynamodb, filesTable } from '../snapshot/dynamodb.ts';
import { buildDetail, carriesAudience, chunks, newChanges, toEntry, type FileState, type StreamRecord } from './events.ts';

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

export async function handler(event: { Records?: StreamRecord[] }): Promise<{ published: string[] }> {
  const changes = newChanges(event.Records ?? []);
  if (changes.length === 0) return { published: [] };
  const states = new Map<string, FileState>();
  const entries = [];
  for (const change of changes) {
    const fileId = String(change.fileId);
    let state = carriesAudience(change) ? { acl: [] } : states.get(fileId);
    if (!state) states.set(fileId, (state = await fileState(fileId)));
    entries.push(toEntry(buildDetail(change, state), busName()));
  }
  const published: string[] = [];
  for (const batch of chunks(entries)) {
    const out = await eventBridge().send(new PutEventsCommand({ Entries: batch }));
    const failed = (out.Entries ?? []).map((e, i) => ({ e, i })).filter(({ e }) => e.ErrorCode);
    if ((out.FailedEntryCount ?? 0) > 0 || failed.length > 0 || (out.Entries ?? []).length !== batch.length) {
      const why = failed.map(({ e, i }) => `${(JSON.parse(batch[i]!.Detail) as { changeId: string }).changeId}: ${e.ErrorCode} ${e.ErrorMessage ?? ''}`).join('; ');
      // The stream retries the whole batch; events already accepted are delivered again (same changeId).
      throw new Error(`PutEvents failed for ${out.FailedEntryCount ?? failed.length} of ${batch.length} entries: ${why}`);
    }
    for (const e of batch) published.push((JSON.parse(e.Detail) as { changeId: string }).changeId);
  }
  return { published };
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
