import { util, type Context } from '@aws-appsync/utils';
import type { MutationInsertFileArgs } from '../generated/graphql.ts';
import { alreadyExists, busy, invalid } from '../lib/errors.ts';
import { aclSk, filePk, HEAD_SK, syncKey } from '../lib/keys.ts';
import { bodyPut } from '../lib/body.ts';
import { changePut, changeRecord, requestPut } from '../lib/commit.ts';
import { changeFromItem } from '../lib/shapes.ts';
import { conditionFailure, filesTable, num, transactionConflict } from '../lib/tx.ts';
import type { ChangeItem, FileSummary } from '../lib/items.ts';
import type { VerifiedUpload } from '../lib/content.ts';
import { contentSha256 } from '../lib/sha256.ts';

const HEAD = 0;
const REQUEST = 3;

/** One transaction: the head at version 1, the INSERT change, the owner's member item, the idempotency record, and inline content's BODY. */
export function request(ctx: Context<MutationInsertFileArgs>) {
  const input = ctx.args.input;
  const s = ctx.stash as { owner: string; fileId: string; requestId: string; encoding: string; size: number; length: number };
  const table = filesTable(ctx);
  const upload = ctx.stash.upload as VerifiedUpload | undefined;
  // Inline content: the server's own SHA-256 must be the stated one (an upload's is checked by 0.verify).
  if (!upload) {
    const sha256 = contentSha256(s.encoding, input.content as string);
    if (sha256 !== input.sha256) invalid('sha256', `is not the SHA-256 of the content (${sha256})`);
  }
  const now = util.time.nowISO8601();
  const summary: FileSummary = {
    id: s.fileId,
    name: input.name,
    contentType: input.contentType,
    encoding: s.encoding,
    size: s.size,
    length: s.length,
    sha256: input.sha256,
    version: 1,
    owner: s.owner,
    createdAt: now,
    updatedAt: now,
    updatedBy: s.owner,
    deleted: false,
  };
  const change = changeRecord(summary, 'INSERT', s.requestId, { members: [s.owner], muted: [] });
  // The key of the verified upload (0.verify) that holds the content, or the version of its BODY item.
  const body: { bodyVersion?: number; contentKey?: string; contentVersion?: number; contentSha256?: string } = upload
    ? { contentKey: upload.key, contentVersion: 1, contentSha256: upload.sha256 }
    : { bodyVersion: 1 };
  if (upload) change.contentKey = upload.key;
  else change.content = input.content as string;
  ctx.stash.change = change;
  return {
    operation: 'TransactWriteItems' as const,
    transactItems: [
      {
        table,
        operation: 'PutItem' as const,
        key: util.dynamodb.toMapValues({ pk: filePk(s.fileId), sk: HEAD_SK }),
        attributeValues: util.dynamodb.toMapValues({ ...summary, aclVersion: 0, ...body }),
        condition: { expression: 'attribute_not_exists(pk)', returnValuesOnConditionCheckFailure: true },
      },
      changePut(table, change),
      {
        table,
        operation: 'PutItem' as const,
        key: util.dynamodb.toMapValues({ pk: filePk(s.fileId), sk: aclSk(s.owner) }),
        attributeValues: util.dynamodb.toMapValues({ ...summary, member: s.owner, role: 'OWNER', syncKey: syncKey(util.time.nowEpochMilliSeconds(), s.fileId) }),
        condition: { expression: 'attribute_not_exists(pk)', returnValuesOnConditionCheckFailure: false },
      },
      requestPut(table, change),
      ...(upload ? [] : [bodyPut(table, s.fileId, { content: input.content as string, version: 1, sha256: input.sha256 })]),
    ],
  };
}

export function response(ctx: Context) {
  const fileId = ctx.stash.fileId as string;
  if (ctx.error) {
    const req = conditionFailure(ctx, REQUEST);
    if (req.failed) {
      ctx.stash.replayVersion = req.item ? num(req.item.version) : 1;
      return null;
    }
    if (conditionFailure(ctx, HEAD).failed) return alreadyExists(fileId);
    if (transactionConflict(ctx)) return busy(fileId);
    return util.error(ctx.error.message, ctx.error.type);
  }
  return changeFromItem(ctx.stash.change as ChangeItem);
}
