/**
 * Object keys. An upload's key names its owner and session — `uploads/<sub>/<sessionId>` — so a
 * commit can tell whose upload it names without a lookup; the session id is the upload reference
 * a client passes back. Snapshots are written once under `snapshots/<fileId>/<version>`.
 */
import { randomUUID } from 'node:crypto';

const SESSION = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const newSessionId = () => randomUUID();
export const isSessionId = (s: string) => SESSION.test(s);
export const uploadKey = (sub: string, sessionId: string) => `uploads/${encodeURIComponent(sub)}/${sessionId}`;
export const snapshotKey = (fileId: string, version: number) => `snapshots/${fileId}/${String(version).padStart(10, '0')}`;
