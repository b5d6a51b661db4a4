/**
 * The commit side of the upload quota (resolvers/lib/quota.ts): the first commit naming an upload
 * turns its session's reservation into committed bytes. A session past its window is refused: its
 * reservation has lapsed and its object is due to expire (the bucket's lifecycle rule).
 */
import { ConditionalCheckFailedException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { dynamodb, filesTable } from '../snapshot/dynamodb.ts';
import { invalid } from './errors.ts';

export async function commitReservation(sub: string, sessionId: string, size: number, now = new Date()): Promise<void> {
  const nowSec = Math.floor(now.getTime() / 1000);
  try {
    await dynamodb().send(
      new UpdateItemCommand({
        TableName: filesTable(),
        Key: { pk: { S: `USER#${sub}` }, sk: { S: 'USAGE' } },
        UpdateExpression: 'SET #committed = if_not_exists(#committed, :zero) + :size REMOVE #pending.#id',
        ConditionExpression: 'attribute_exists(#pending.#id) AND #pending.#id.#until > :now',
        ExpressionAttributeNames: { '#committed': 'committed', '#pending': 'pending', '#id': sessionId, '#until': 'until' },
        ExpressionAttributeValues: { ':zero': { N: '0' }, ':size': { N: String(size) }, ':now': { N: String(nowSec) } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
    const item = e.Item ? (unmarshall(e.Item) as { pending?: Record<string, { until: number }> }) : undefined;
    // Still listed but lapsed: too late. Not listed: committed before (an upload may be named
    // more than once), or uploaded before quotas existed; its bytes are already counted or never were.
    if (item?.pending?.[sessionId]) throw invalid('uploadId', 'the upload was not committed within its window and has expired; upload it again');
  }
}
