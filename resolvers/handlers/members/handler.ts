/**
 * The member index, kept current off the hot path. A text edit's commit writes three items (head,
 * change record, idempotency record) whatever the member count; this handler, on the `files` table's
 * stream, then brings every active member's index item (`ACL#<sub>`: the head's summary and a fresh
 * `syncKey`, read by listFiles and syncFiles through `byMember`) up to the head, once per file and batch
 * however many edits the batch holds. So listFiles / syncFiles lag a MODIFY by the stream's delay
 * (locally one poll, 250 ms; in AWS typically well under a second; resolvers/README.md "Member index").
 * Inserts, deletes, shares and unshares still update member items in their own transactions.
 *
 * Idempotent and monotonic: each update is conditioned on the member item being behind the head it
 * read, so a redelivered batch, an older batch or a racing delete never moves an item backwards.
 */
import { ConditionalCheckFailedException, QueryCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AclItem, HeadItem } from '../../lib/items.ts';
import { aclSk, filePk, HEAD_SK, syncKey } from '../../lib/keys.ts';
import { summaryOf } from '../../lib/shapes.ts';
import { newChangeRecords, type StreamRecord } from '../notify/events.ts';
import { StreamBatch, type BatchItemFailure } from '../shared/stream-batch.ts';
import { dynamodb, filesTable } from '../snapshot/dynamodb.ts';

/** The summary fields (never the content) plus what the index needs of member items. */
const FIELDS = ['pk', 'sk', 'member', 'role', 'id', 'name', 'contentType', 'encoding', 'size', 'length', 'sha256', 'version', 'owner', 'createdAt', 'updatedAt', 'updatedBy', 'deleted'];

export async function handler(event: { Records?: StreamRecord[] }): Promise<{ updated: string[]; batchItemFailures: BatchItemFailure[] }> {
  // Only MODIFY leaves the index behind; the other operations write member items themselves.
  const files = new Map<string, StreamRecord[]>();
  for (const { record, change } of newChangeRecords(event.Records ?? [])) {
    if (change.op !== 'MODIFY') continue;
    const fileId = String(change.fileId);
    files.set(fileId, [...(files.get(fileId) ?? []), record]);
  }
  const batch = new StreamBatch('members');
  const updated: string[] = [];
  for (const [fileId, records] of files) {
    try {
      updated.push(...(await indexFile(fileId)));
    } catch (e) {
      // One file's failure is reported (its records) without holding back the other files.
      for (const r of records) batch.fail(r, e, { fileId });
    }
  }
  return { updated, batchItemFailures: batch.failures() };
}

async function indexFile(fileId: string): Promise<string[]> {
  const { head, members } = await headAndMembers(fileId);
  if (!head) return [];
  const summary = summaryOf(head);
  const key = syncKey(Date.now(), fileId);
  const out: string[] = [];
  for (const m of members) {
    if (m.role === 'REVOKED' || m.version >= head.version) continue;
    const values = { ...summary, syncKey: key } as Record<string, unknown>;
    const names: Record<string, string> = {};
    const sets: string[] = [];
    for (const k of Object.keys(values)) {
      names[`#${k}`] = k;
      sets.push(`#${k} = :${k}`);
    }
    try {
      await dynamodb().send(
        new UpdateItemCommand({
          TableName: filesTable(),
          Key: marshall({ pk: filePk(fileId), sk: aclSk(m.member) }),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk) AND #version < :version AND #role <> :revoked',
          ExpressionAttributeNames: { ...names, '#role': 'role' },
          ExpressionAttributeValues: marshall(Object.fromEntries([...Object.entries(values).map(([k, v]) => [`:${k}`, v]), [':revoked', 'REVOKED']])),
        }),
      );
      out.push(`${fileId}:${m.member}:${head.version}`);
    } catch (e) {
      // Already at or past this head (a newer batch, a delete, an unshare): nothing to do.
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  }
  return out;
}

/** The head and every member item, summaries only: `pk = FILE#<id> AND sk BETWEEN 'ACL#' AND 'HEAD'` (the BODY between them is skipped). */
async function headAndMembers(fileId: string): Promise<{ head?: HeadItem; members: AclItem[] }> {
  const names = Object.fromEntries(FIELDS.map((f) => [`#${f}`, f]));
  const members: AclItem[] = [];
  let head: HeadItem | undefined;
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb().send(
      new QueryCommand({
        TableName: filesTable(),
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :acl AND :head',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':pk': { S: filePk(fileId) }, ':acl': { S: 'ACL#' }, ':head': { S: HEAD_SK } },
        ProjectionExpression: Object.keys(names).join(', '),
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    for (const raw of page.Items ?? []) {
      const item = unmarshall(raw);
      if (item.sk === HEAD_SK) head = item as HeadItem;
      else if (String(item.sk).startsWith('ACL#')) members.push(item as AclItem);
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return { head, members };
}
