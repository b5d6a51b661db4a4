/**
 * Item keys of the single `files` table (resolvers/README.md):
 *   FILE#<id> / HEAD          the head
 *   FILE#<id> / V#<version>   a change record (10-digit zero-padded version, so keys sort numerically)
 *   FILE#<id> / ACL#<sub>     a member: role, and a copy of the head summary indexed by byMember
 *   FILE#<id> / REQ#<id>      an idempotency record
 *   FILE#<id> / BODY          inline content at some version (later versions are patches in the log)
 */
export const HEAD_SK = 'HEAD';
/** Sorts between ACL# and HEAD, so the authorization Query reads head, members and body at once. */
export const BODY_SK = 'BODY';
export const MEMBER_INDEX = 'byMember';

const ZEROS = '0000000000000';

/** Left-pads a non-negative integer with zeros (String.padStart is not in APPSYNC_JS). */
export function pad(n: number, width: number): string {
  const s = `${n}`;
  return s.length >= width ? s : ZEROS.slice(0, width - s.length) + s;
}

export function filePk(fileId: string): string {
  return `FILE#${fileId}`;
}

export function versionSk(version: number): string {
  return `V#${pad(version, 10)}`;
}

export function aclSk(sub: string): string {
  return `ACL#${sub}`;
}

export function requestSk(requestId: string): string {
  return `REQ#${requestId}`;
}

/** Sort key of a member's index item: when it last changed, then the file, so the feed pages exactly. */
export function syncKey(epochMs: number, fileId: string): string {
  return `${pad(epochMs, 13)}#${fileId}`;
}
