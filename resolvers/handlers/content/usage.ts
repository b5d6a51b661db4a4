/**
 * The commit side of uncommitted-upload expiry and the upload quota (resolvers/lib/quota.ts). An
 * upload is written tagged `upload=pending`; the first commit naming it moves its session's bytes
 * from the user's open sessions to their committed total, then re-tags the object `committed`, so
 * the bucket's lifecycle rule (which expires pending uploads) never takes a committed one.
 */
import { ConditionalCheckFailedException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectTaggingCommand, PutObjectTaggingCommand } from '@aws-sdk/client-s3';
import { dynamodb, filesTable } from '../snapshot/dynamodb.ts';
import { UPLOAD_TAG } from '../../lib/limits.ts';
import type { VerifiedUpload } from '../../lib/content.ts';
import { invalid } from './errors.ts';
import { contentBucket, s3 } from './s3.ts';

export async function settleUpload(sub: string, upload: VerifiedUpload, now = new Date()): Promise<void> {
  const Bucket = contentBucket();
  const { TagSet } = await s3().send(new GetObjectTaggingCommand({ Bucket, Key: upload.key }));
  // Committed before (an upload may be named more than once), or written before uploads were tagged.
  if (TagSet?.find((t) => t.Key === UPLOAD_TAG)?.Value !== 'pending') return;
  await commitReservation(sub, upload.uploadId, upload.size, now);
  await s3().send(new PutObjectTaggingCommand({ Bucket, Key: upload.key, Tagging: { TagSet: [{ Key: UPLOAD_TAG, Value: 'committed' }] } }));
}

/** Moves the session from `pending` to `committed`; a session no longer open (lapsed, or dropped as lapsed) is refused. */
async function commitReservation(sub: string, sessionId: string, size: number, now: Date): Promise<void> {
  try {
    await dynamodb().send(
      new UpdateItemCommand({
        TableName: filesTable(),
        Key: { pk: { S: `USER#${sub}` }, sk: { S: 'USAGE' } },
        UpdateExpression: 'SET #committed = if_not_exists(#committed, :zero) + :size REMOVE #pending.#id',
        ConditionExpression: 'attribute_exists(#pending.#id) AND #pending.#id.#until > :now',
        ExpressionAttributeNames: { '#committed': 'committed', '#pending': 'pending', '#id': sessionId, '#until': 'until' },
        ExpressionAttributeValues: { ':zero': { N: '0' }, ':size': { N: String(size) }, ':now': { N: String(Math.floor(now.getTime() / 1000)) } },
      }),
    );
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
    throw invalid('uploadId', 'the upload was not committed within its window and has expired (or another request is committing it now); upload it again');
  }
}
