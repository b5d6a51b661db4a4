/** Documented limits (schema/schema.graphql "Limits"); kept well under DynamoDB's 400 KB item and AppSync's 240 KB subscription message. */
export const MAX_INLINE_CHARS = 32768;
export const MAX_INLINE_BYTES = 32768;
export const MAX_PATCH_JSON = 65536;
export const MAX_PATCH_OPS = 10000;
export const MAX_NAME = 255;
/** modifyFile moves a stale text patch over at most this many changes on the server (one Query page); further behind is a Conflict. */
export const MAX_REBASE = 100;
/**
 * The head keeps the patches of its last versions (at most this many, and this many characters of
 * JSON), so a modify that lost the race for the head is moved over what the winner added without
 * reading the log: one transaction per attempt. Small, so the head stays one 1 KB write unit.
 */
export const RECENT_PATCHES = 8;
/**
 * The head's queue (lib/queue.ts): at most this many edits wait on it (each about 150 bytes for a
 * keystroke), a commit takes at most QUEUE_BATCH of them (1 + 2 per edit + the body: 66 of
 * DynamoDB's 100 items per transaction), and an edit queued longer than QUEUED_MAX_AGE_MS ago was
 * given up by its writer (AppSync stops a request after 30 s) and is dropped (a retry queues it again).
 */
export const MAX_PENDING = 64;
export const QUEUE_BATCH = 32;
export const QUEUED_MAX_AGE_MS = 60000;
/** The first queued edit's writer commits the batch; after this long without it, any queued writer does. */
export const LEADER_GRACE_MS = 500;
export const RECENT_PATCH_CHARS = 480;
/**
 * A batch from the head's queue keeps more (its head write is shared by the batch's edits): enough
 * that the writers who lost the race to it move on without reading the log.
 */
export const BATCH_RECENT_PATCHES = 32;
export const BATCH_RECENT_CHARS = 2048;
/**
 * Inline content lives in the file's BODY item at some version; the versions after it are patches in
 * the log (the tail). A commit rewrites the body once the tail would reach this many patches or this
 * many characters of patch JSON (so the tail stays one Query page, well under DynamoDB's 1 MB).
 */
export const TAIL_PATCHES = 50;
export const TAIL_CHARS = 128 * 1024;
export const MAX_CONTENT_TYPE = 255;
/**
 * Active members of one file, owner included. A modify writes no member item; a delete's transaction
 * marks every member's index item (with head, change, request and body: 68 of DynamoDB's 100 items).
 */
export const MAX_MEMBERS = 64;
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 100;
/** Change records expire (DynamoDB TTL) after this; getFileChanges then answers LogTruncated. */
export const CHANGE_RETENTION_SECONDS = 30 * 24 * 3600;
/** A retried request id is recognised for this long. */
export const REQUEST_RETENTION_SECONDS = 24 * 3600;
/** A removed member's index item (which tells their syncFiles) lives this long. */
export const REVOKED_RETENTION_SECONDS = 30 * 24 * 3600;
/** syncFiles re-reads this window behind "now": index writes stamped a moment earlier may become visible late. */
export const SYNC_OVERLAP_MS = 5000;
/** SHA-256 of no bytes: a tombstone's checksum. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/**
 * Snapshots (resolvers/handlers/snapshot): S3-held TEXT content is re-materialized once this many
 * patches, or this many characters of patch JSON, follow the head's snapshot; getFileChanges answers a
 * reader further behind than SNAPSHOT_EVERY versions with a snapshot, so a reader applies at most
 * about that many patches (more only while the snapshotter is behind).
 */
export const SNAPSHOT_EVERY = 50;
export const SNAPSHOT_PATCH_CHARS = 256 * 1024;
/**
 * Abuse limits on S3-held content (lib/quota.ts; schema "Limits"). Defaults; a deploy sets its own
 * through the API's environment (`ctx.env` MAX_UPLOAD_BYTES / USER_QUOTA_BYTES, CDK context
 * `maxUploadBytes` / `userQuotaBytes`). S3 itself would take 5 TiB per object.
 */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024 * 1024;
/** Bytes of uploads one user may hold in S3: committed ones, plus sessions still open (within UPLOAD_COMMIT_SECONDS). */
export const USER_QUOTA_BYTES = 50 * 1024 * 1024 * 1024;
/** Open (uncommitted) upload sessions per user: each is an entry of the user's usage item, so it stays a few KB. */
export const MAX_PENDING_UPLOADS = 100;
/** An upload must be named by a commit within this long; after it the session's reservation lapses and the object expires (lifecycle rule `uploads/`). */
export const UPLOAD_COMMIT_DAYS = 2;
export const UPLOAD_COMMIT_SECONDS = UPLOAD_COMMIT_DAYS * 24 * 3600;
/** The object tag an upload carries: `pending` from its PUT, `committed` from its first commit (the lifecycle rule expires `pending`). */
export const UPLOAD_TAG = 'upload';
