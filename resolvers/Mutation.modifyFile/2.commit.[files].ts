import { util, type Context } from '@aws-appsync/utils';
import type { MutationModifyFileArgs } from '../generated/graphql.ts';
import type { Access } from '../lib/access.ts';
import { changeRecord, fileWriteItems } from '../lib/commit.ts';
import { applyTextPatch, patchedLength } from '../lib/patch.ts';
import { changeFromItem } from '../lib/shapes.ts';
import { commitFailure } from '../lib/outcome.ts';
import { filesTable, setExpression } from '../lib/tx.ts';
import { invalid } from '../lib/errors.ts';
import { measureContent, utf8Bytes } from '../lib/validate.ts';
import type { ChangeItem, FileSummary } from '../lib/items.ts';
import { uploadMeasure, type VerifiedUpload } from '../lib/content.ts';

export function request(ctx: Context<MutationModifyFileArgs>) {
  const input = ctx.args.input;
  const { head, members, muted } = ctx.stash.access as Access;
  const author = (ctx.identity as { sub: string }).sub;
  const base = input.baseVersion;
  const next = base + 1;
  const current = head.version === base && !head.deleted;

  // Only a write against the head can be applied; a stale one still goes to DynamoDB, whose answer
  // tells a retry of a committed request (replay) from a conflict.
  let content = head.content || '';
  let size = head.size;
  let length = head.length;
  // Set when the new content is held in S3 (a verified upload, 0.verify).
  const upload = ctx.stash.upload as VerifiedUpload | undefined;
  if (current && input.patch !== null && input.patch !== undefined) {
    if (head.encoding !== 'TEXT') invalid('patch', 'BASE64 files are modified with whole content');
    if (head.contentKey) {
      // S3-held text: the patch joins the log (the snapshotter applies it); the writer states the size.
      length = patchedLength(input.patch, head.length);
      if (input.size === null || input.size === undefined) invalid('size', 'a patch of content held in S3 states the resulting size in bytes');
      size = input.size as number;
      if (Math.floor(size) !== size || size < length || size > length * 3) invalid('size', `${size} UTF-8 bytes cannot be ${length} UTF-16 code units`);
    } else {
      content = applyTextPatch(input.patch, head.content || '');
      size = utf8Bytes(content);
      length = content.length;
    }
  } else if (current && upload) {
    if (upload.contentType !== (input.contentType || head.contentType)) invalid('contentType', 'does not match the uploaded content');
    const measured = uploadMeasure(head.encoding, upload, input.upload ? input.upload.length : null);
    size = measured.size;
    length = measured.length;
  } else if (current) {
    content = input.content as string;
    const measured = measureContent(head.encoding, content);
    size = measured.size;
    length = measured.length;
  }

  const now = util.time.nowISO8601();
  const summary: FileSummary = {
    id: head.id,
    name: input.name || head.name,
    contentType: input.contentType || head.contentType,
    encoding: head.encoding,
    size,
    length,
    sha256: input.sha256,
    version: next,
    owner: head.owner,
    createdAt: head.createdAt,
    updatedAt: now,
    updatedBy: author,
    deleted: false,
  };
  const change = changeRecord(summary, 'MODIFY', input.requestId, { members, muted });
  if (input.patch !== null && input.patch !== undefined) change.patch = JSON.stringify(input.patch);
  else if (upload) change.contentKey = upload.key;
  else change.content = content;
  ctx.stash.change = change;

  const table = filesTable(ctx);
  // The head holds its content inline or names the S3 object, never both.
  const headUpdate = upload
    ? setExpression({ ...summary, contentKey: upload.key, contentVersion: next, contentSha256: upload.sha256 }, ['content'])
    : head.contentKey && change.patch !== undefined
      ? setExpression({ ...summary }, [])
      : setExpression({ ...summary, content }, ['contentKey', 'contentVersion', 'contentSha256']);
  return { operation: 'TransactWriteItems' as const, transactItems: fileWriteItems(table, head, members, base, headUpdate, change, summary) };
}

export function response(ctx: Context<MutationModifyFileArgs>) {
  if (ctx.error) {
    commitFailure(ctx, ctx.args.input.id, ctx.args.input.baseVersion, (ctx.stash.access as Access).head.version);
    return null;
  }
  return changeFromItem(ctx.stash.change as ChangeItem);
}
