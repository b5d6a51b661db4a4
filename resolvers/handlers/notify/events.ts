/**
 * The `FileChanged` event: which stream records become events and what they carry. Pure functions,
 * so the handler's choices are tested without a stream (events.test.ts).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';

export const SOURCE = 'craft-sync.files';
export const DETAIL_TYPE = 'FileChanged';

/** What a recipient needs to act on a change without another read. */
export interface FileChangedDetail {
  /** `<fileId>:<version>`: the same on every delivery of one change (deliveries are at least once). */
  changeId: string;
  fileId: string;
  version: number;
  op: 'INSERT' | 'MODIFY' | 'DELETE';
  /** Cognito sub of the writer. */
  author: string;
  /** ISO time of the commit. */
  at: string;
  name: string;
  contentType: string;
  encoding: string;
  /** Bytes. */
  size: number;
  sha256: string;
  /** Cognito sub of the owner. */
  owner: string | null;
  /** Cognito subs of everyone who can see the file (owner included), sorted. */
  members: string[];
  /**
   * The members to notify: not the author (who made the change) and not those who muted the file
   * (`setFileNotifications`), sorted. Route per-user deliveries on this.
   */
  recipients: string[];
}

/** A DynamoDB stream record as Lambda's event source hands it over. */
export interface StreamRecord {
  eventID?: string;
  eventName?: string;
  dynamodb?: {
    Keys?: Record<string, AttributeValue>;
    NewImage?: Record<string, AttributeValue>;
    /** What a partial batch response names a failed record by. */
    SequenceNumber?: string;
  };
}

type Item = Record<string, NativeAttributeValue>;

/**
 * The change records a batch committed, in stream order. Only INSERTs of `V#` items: a TTL expiry
 * is a REMOVE, a head or member update is another key, and change records are never modified.
 */
export function newChanges(records: StreamRecord[]): Item[] {
  return newChangeRecords(records).map((c) => c.change);
}

/** `newChanges` with the record each came from (a partial batch response names records). */
export function newChangeRecords(records: StreamRecord[]): Array<{ record: StreamRecord; change: Item }> {
  const out: Array<{ record: StreamRecord; change: Item }> = [];
  for (const r of records) {
    const pk = r.dynamodb?.Keys?.pk?.S;
    const sk = r.dynamodb?.Keys?.sk?.S;
    if (r.eventName !== 'INSERT' || !pk?.startsWith('FILE#') || !sk?.startsWith('V#') || !r.dynamodb?.NewImage) continue;
    out.push({ record: r, change: unmarshall(r.dynamodb.NewImage) as Item });
  }
  return out;
}

/** Log fields naming a change record: `FILE#<id>` / `V#<version>`. */
export function changeFields(change: Item): { fileId: string; version: number; changeId: string } {
  const fileId = String(change.fileId ?? String(change.pk).slice('FILE#'.length));
  const version = Number(change.version ?? Number(String(change.sk).slice(2)));
  return { fileId, version, changeId: `${fileId}:${version}` };
}

/** The head and member items of one file (the authorization Query's answer). */
export interface FileState {
  head?: Item;
  acl: Item[];
}

const OPS = new Set(['INSERT', 'MODIFY', 'DELETE']);

export function buildDetail(change: Item, state: FileState): FileChangedDetail {
  const fileId = String(change.fileId ?? String(change.pk).slice('FILE#'.length));
  const version = Number(change.version ?? Number(String(change.sk).slice(2)));
  const op = String(change.op);
  if (!OPS.has(op)) throw new Error(`file ${fileId} v${version}: unknown op ${op}`);
  // Records written since setFileNotifications carry their audience as the commit saw it: the
  // members and either the recipients (older records) or who muted (the recipients then follow).
  if (carriesAudience(change)) {
    const members = [...new Set((change.members as unknown[]).map(String))].sort();
    const muted = new Set(Array.isArray(change.muted) ? (change.muted as unknown[]).map(String) : []);
    const recipients = Array.isArray(change.recipients) ? [...new Set((change.recipients as unknown[]).map(String))].sort() : members.filter((m) => m !== String(change.author) && !muted.has(m));
    return { ...common(change, fileId, version, op), owner: typeof change.owner === 'string' ? change.owner : null, members, recipients };
  }
  const active = state.acl.filter((m) => m.role !== 'REVOKED' && typeof m.member === 'string');
  // A modify's record names who muted the file at commit time (the members are read now); older records do not.
  const mutedAtCommit = Array.isArray(change.muted) ? new Set((change.muted as unknown[]).map(String)) : null;
  const muted = (m: Item) => (mutedAtCommit ? mutedAtCommit.has(String(m.member)) : m.muted === true);
  const owner = state.head?.owner ?? active.find((m) => m.role === 'OWNER')?.member ?? null;
  return {
    ...common(change, fileId, version, op),
    owner: owner === null ? null : String(owner),
    members: [...new Set(active.map((m) => String(m.member)))].sort(),
    recipients: [...new Set(active.filter((m) => !muted(m) && m.member !== change.author).map((m) => String(m.member)))].sort(),
  };
}

/** Whether the change names its audience (then the handler needs no read of the members). */
export function carriesAudience(change: Item): boolean {
  return Array.isArray(change.members) && (Array.isArray(change.recipients) || Array.isArray(change.muted));
}

function common(change: Item, fileId: string, version: number, op: string) {
  return {
    changeId: `${fileId}:${version}`,
    fileId,
    version,
    op: op as FileChangedDetail['op'],
    author: String(change.author),
    at: String(change.at),
    name: String(change.name),
    contentType: String(change.contentType),
    encoding: String(change.encoding),
    size: Number(change.size),
    sha256: String(change.sha256),
  };
}

/** A PutEvents entry for one change on `busName`. */
export function toEntry(detail: FileChangedDetail, busName: string) {
  const time = new Date(detail.at);
  return {
    EventBusName: busName,
    Source: SOURCE,
    DetailType: DETAIL_TYPE,
    // The commit's time; EventBridge stamps the call's time on an entry without one.
    ...(Number.isNaN(time.getTime()) ? {} : { Time: time }),
    Resources: [],
    Detail: JSON.stringify(detail),
  };
}

/** PutEvents takes at most 10 entries per call. */
export function chunks<T>(items: T[], size = 10): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
