import type { AclItem, ChangeItem, FileSummary, HeadItem } from './items.ts';

/** The summary fields of a head, for member items. */
export function summaryOf(head: HeadItem): FileSummary {
  return {
    id: head.id,
    name: head.name,
    contentType: head.contentType,
    encoding: head.encoding,
    size: head.size,
    length: head.length,
    sha256: head.sha256,
    version: head.version,
    owner: head.owner,
    createdAt: head.createdAt,
    updatedAt: head.updatedAt,
    updatedBy: head.updatedBy,
    deleted: head.deleted,
  };
}

/**
 * A head as the GraphQL File: `content` inline (the body brought to the head, lib/body.ts), or (not a
 * schema field) the S3 key that the `File.contentUrl` resolver presigns.
 */
export function fileFromHead(head: HeadItem, role: string | null, content: string | null) {
  const file = summaryOf(head);
  return {
    ...file,
    content: head.deleted || head.contentKey ? null : content,
    contentKey: head.deleted || !head.contentKey ? null : head.contentKey,
    contentVersion: head.deleted ? null : head.contentKey ? (head.contentVersion as number) : head.version,
    myRole: role === 'BACKEND' ? null : role,
  };
}

/** A member item as the GraphQL File (no content); a removed member sees myRole null. */
export function fileFromMember(item: AclItem) {
  const file = summaryOf(item as unknown as HeadItem);
  return { ...file, content: null, myRole: item.role === 'REVOKED' ? null : item.role };
}

/** A change record as the GraphQL FileChange. */
export function changeFromItem(item: ChangeItem) {
  return {
    fileId: item.fileId,
    version: item.version,
    op: item.op,
    author: item.author,
    at: item.at,
    name: item.name,
    contentType: item.contentType,
    encoding: item.encoding,
    size: item.size,
    length: item.length,
    sha256: item.sha256,
    patch: item.patch === undefined ? null : item.patch,
    content: item.content === undefined ? null : item.content,
    // Not a schema field: `FileChange.contentUrl` presigns it.
    contentKey: item.contentKey === undefined ? null : item.contentKey,
    requestId: item.requestId,
    deleted: item.deleted,
  };
}
