/** Shapes of the table's items (resolvers/README.md). Plain objects as AppSync hands them to resolvers. */

/** The file fields copied onto every member item, so listings and the feed need no second read. */
export interface FileSummary {
  id: string;
  name: string;
  contentType: string;
  encoding: string;
  size: number;
  length: number;
  sha256: string;
  version: number;
  owner: string;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  deleted: boolean;
}

export interface HeadItem extends FileSummary {
  pk: string;
  sk: string;
  /** Bumped by share/unshare, so a write that fanned out to a stale member list fails. */
  aclVersion: number;
  /**
   * The whole content, inline, on heads written before the BODY item (read as a body at `version`);
   * a commit moves it to the BODY item. New heads never carry it.
   */
  content?: string;
  /** S3 key of the content at `contentVersion` when it is held in S3 (an upload or a snapshot, never overwritten). */
  contentKey?: string;
  /** The version the object at `contentKey` holds; later versions are patches in the log. */
  contentVersion?: number;
  /** SHA-256 of the object at `contentKey`. */
  contentSha256?: string;
  /** Inline content: the version the BODY item was last written at (a hint for when to rewrite it; the BODY item's own `version` is the truth). */
  bodyVersion?: number;
  /**
   * JSON `[[version, patchJson], ...]`: the text patches that made the head's last versions, oldest
   * first and contiguous up to `version` (lib/modify.ts); empty after anything but a patch.
   */
  recent?: string;
  /**
   * The last version made by whole content (or an upload) rather than a patch: queued edits made
   * before it cannot be moved over it and are dropped (lib/queue.ts); their writers catch up.
   */
  fullAt?: number;
}

/**
 * `BODY`: a file's inline content at `version` (text or base64) and its SHA-256. The versions after
 * it are patches in the log; a commit rewrites it every TAIL_PATCHES patches (resolvers/README.md).
 */
export interface BodyItem {
  pk?: string;
  sk?: string;
  content: string;
  version: number;
  sha256: string;
}

export interface AclItem extends FileSummary {
  pk: string;
  sk: string;
  /** Cognito sub: the byMember index's partition key. */
  member: string;
  role: string;
  /** byMember's sort key: `<13-digit ms>#<fileId>`. */
  syncKey: string;
  expiresAt?: number;
  /** The member muted the file's notifications (setFileNotifications). */
  muted?: boolean;
}

export interface ChangeItem {
  /** Present on items read back; absent on the attribute set written. */
  pk?: string;
  sk?: string;
  fileId: string;
  version: number;
  op: string;
  author: string;
  at: string;
  name: string;
  contentType: string;
  encoding: string;
  size: number;
  length: number;
  sha256: string;
  /** The patch as JSON text. */
  patch?: string;
  content?: string;
  /** S3 key of the whole content, for a change that replaced it with an upload. */
  contentKey?: string;
  requestId: string;
  deleted: boolean;
  expiresAt: number;
  /** Who could see the file when the change committed, and who is to be notified of it (notify handler). */
  owner?: string;
  members?: string[];
  /** Members who muted the file: the notify handler's recipients are the members but these and the author. */
  muted?: string[];
  /** Older records: the recipients themselves. */
  recipients?: string[];
}

export interface RequestItem {
  pk: string;
  sk: string;
  version: number;
  expiresAt: number;
}
