import { randomUUID } from 'node:crypto';
import { applyText, diffText } from '../../client/patch/index.ts';
import { CHANGE, MODIFY, sha256, type SyncUser } from './sync-client.ts';

/** getFileChanges with the snapshot a reader far behind starts from. */
export const CATCH_UP = `query($fileId: ID!, $sinceVersion: Int!, $limit: Int, $nextToken: String) {
  getFileChanges(fileId: $fileId, sinceVersion: $sinceVersion, limit: $limit, nextToken: $nextToken) { snapshot { version sha256 content } items { ${CHANGE} } nextToken headVersion } }`;

/** A FileChange as delivered by onFileChanged or getFileChanges (patch is AWSJSON, i.e. a JSON string). */
export interface ChangeEvent {
  fileId: string;
  version: number;
  op: 'INSERT' | 'MODIFY' | 'DELETE';
  sha256: string;
  patch: string | null;
  content: string | null;
  requestId: string;
}

/**
 * A client's local copy of one text file, kept current in place from change events. Each change is
 * applied exactly once, only on top of `version - 1`, and its sha256 is checked after applying;
 * changes that arrive ahead of a gap wait until the gap is filled (by a later event or the log).
 */
export class Replica {
  /** Versions in the order they were applied. */
  readonly applied: number[] = [];
  /** Events offered for a version already held (a catch-up overlapping live events). */
  duplicates = 0;
  /** Snapshots taken instead of replaying a long log. */
  snapshots = 0;
  deleted = false;
  private readonly pending = new Map<number, ChangeEvent>();

  constructor(
    public version: number,
    public text: string,
  ) {}

  offer(c: ChangeEvent): void {
    if (c.version <= this.version || this.pending.has(c.version)) {
      this.duplicates += 1;
      return;
    }
    this.pending.set(c.version, c);
    for (let next = this.pending.get(this.version + 1); next; next = this.pending.get(this.version + 1)) {
      this.pending.delete(next.version);
      this.apply(next);
    }
  }

  get waiting(): number {
    return this.pending.size;
  }

  private apply(c: ChangeEvent): void {
    let text: string;
    if (c.op === 'DELETE') text = '';
    else if (c.patch != null) text = applyText(JSON.parse(c.patch), this.text);
    else if (c.content != null) text = c.content;
    else throw new Error(`change ${c.version} carries neither patch nor content`);
    if (sha256(text) !== c.sha256) throw new Error(`sha256 mismatch after applying version ${c.version}`);
    this.text = text;
    this.version = c.version;
    this.deleted = c.op === 'DELETE';
    this.applied.push(c.version);
  }

  /** Far behind, the log starts from a snapshot: take it as the new base (inline text only here). */
  private restart(snapshot: { version: number; sha256: string; content: string | null }): void {
    if (snapshot.content === null || sha256(snapshot.content) !== snapshot.sha256) throw new Error(`unusable snapshot at version ${snapshot.version}`);
    this.text = snapshot.content;
    this.version = snapshot.version;
    this.snapshots += 1;
    for (const v of [...this.pending.keys()]) if (v <= snapshot.version) this.pending.delete(v);
  }

  /** Catches up from the change log (every page), as a client does after a disconnect. */
  async catchUp(u: SyncUser, fileId: string): Promise<void> {
    let nextToken: string | null = null;
    const since = this.version;
    do {
      const body = await u.call(CATCH_UP, { fileId, sinceVersion: since, limit: 100, nextToken });
      if (body.errors) throw new Error(`getFileChanges: ${JSON.stringify(body.errors)}`);
      const page = body.data!.getFileChanges as { snapshot?: { version: number; sha256: string; content: string | null } | null; items: ChangeEvent[]; nextToken: string | null };
      if (page.snapshot) this.restart(page.snapshot);
      for (const c of page.items) this.offer(c);
      nextToken = page.nextToken;
    } while (nextToken);
  }
}

/** The n-th edit of a scripted sequence: patches mostly, sometimes a whole-content replacement. */
export function nextText(text: string, n: number): { to: string; whole: boolean } {
  const whole = n % 5 === 4;
  if (whole) return { to: `rewritten ${n}: ${text.slice(0, 20)}`, whole };
  const at = (n * 7) % (text.length + 1);
  return { to: `${text.slice(0, at)}<${n}é😀>${text.slice(at + (n % 3))}`, whole };
}

/** Sends the n-th scripted edit on top of (version, text) over HTTP; returns the acknowledged change. */
export async function writeEdit(u: SyncUser, fileId: string, version: number, text: string, n: number): Promise<{ version: number; text: string }> {
  const { to, whole } = nextText(text, n);
  const input = whole
    ? { id: fileId, baseVersion: version, content: to, sha256: sha256(to), requestId: randomUUID() }
    : { id: fileId, baseVersion: version, patch: JSON.stringify(diffText(text, to)), sha256: sha256(to), requestId: randomUUID() };
  const body = await u.call(MODIFY, { input });
  if (body.errors) throw new Error(`modifyFile: ${JSON.stringify(body.errors)}`);
  return { version: (body.data!.modifyFile as { version: number }).version, text: to };
}

/** A writer sending `count` scripted edits one after another in the background, pausing a little between them. */
export function backgroundWriter(u: SyncUser, fileId: string, start: { version: number; text: string }, count: number) {
  const w = { head: start, written: 0, done: Promise.resolve() };
  w.done = (async () => {
    for (let n = 0; n < count; n += 1) {
      w.head = await writeEdit(u, fileId, w.head.version, w.head.text, n);
      w.written += 1;
      await new Promise((r) => setTimeout(r, 15));
    }
  })();
  return w;
}

/** Waits until `pred` holds, polling; fails after `timeoutMs`. */
export async function until(pred: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
