import { util } from '@aws-appsync/utils';
import type { BodyItem, ChangeItem, HeadItem } from './items.ts';
import { BODY_SK, filePk, versionSk } from './keys.ts';
import { applyTextPatch } from './patch.ts';

/**
 * Inline content is kept out of the head (resolvers/README.md "The hot path"): the BODY item holds it
 * at some version and the log's patches after that version (the tail) bring it to the head. A head
 * written before BODY items carries its content itself: that is a body at the head's version.
 */
export function bodyOf(head: HeadItem, body: BodyItem | null): BodyItem | null {
  if (head.contentKey || head.deleted) return null;
  if (body && body.version <= head.version) return body;
  if (typeof head.content === 'string') return { content: head.content, version: head.version, sha256: head.sha256 };
  return null;
}

/** The change records `from + 1 … to` of a file, in order: one consistent Query. */
export function tailRequest(fileId: string, from: number, to: number) {
  return {
    operation: 'Query' as const,
    query: {
      expression: 'pk = :pk AND sk BETWEEN :from AND :to',
      expressionValues: util.dynamodb.toMapValues({ ':pk': filePk(fileId), ':from': versionSk(from + 1), ':to': versionSk(to) }),
    },
    consistentRead: true,
    limit: to - from,
  };
}

/** The body item of a file's content at `version`. */
export function bodyPut(table: string, fileId: string, body: BodyItem) {
  return {
    table,
    operation: 'PutItem' as const,
    key: util.dynamodb.toMapValues({ pk: filePk(fileId), sk: BODY_SK }),
    attributeValues: util.dynamodb.toMapValues({ content: body.content, version: body.version, sha256: body.sha256 }),
  };
}

/** Removes a file's body (a delete, or content that moved to S3). */
export function bodyDelete(table: string, fileId: string) {
  return { table, operation: 'DeleteItem' as const, key: util.dynamodb.toMapValues({ pk: filePk(fileId), sk: BODY_SK }) };
}

/**
 * The content at `to`: the body with the tail's patches applied in version order, or null when the
 * tail does not run without a gap from the body's version to `to` (its records expired, or a change
 * that is not a patch: neither happens while commits keep the body within TAIL_PATCHES of the head).
 */
export function contentAt(body: BodyItem, tail: ChangeItem[], to: number): string | null {
  let content = body.content;
  let at = body.version;
  let broken = false;
  for (const item of tail) {
    if (!broken && item.version > at) {
      if (item.version !== at + 1 || typeof item.patch !== 'string') broken = true;
      else {
        content = applyTextPatch(JSON.parse(item.patch), content);
        at = item.version;
      }
    }
  }
  return !broken && at === to ? content : null;
}

/** A file whose content cannot be rebuilt from its items (documented with LogTruncated in the schema). */
export function contentLost(fileId: string, headVersion: number): never {
  return util.error(`the content of file ${fileId} at version ${headVersion} cannot be rebuilt from its log`, 'LogTruncated', null, {
    fileId,
    headVersion,
    coveredFrom: null,
  }) as never;
}
