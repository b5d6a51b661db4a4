/**
 * Presence without the DOM: who else has the file open and where their selection is, kept on the
 * same text through concurrent edits, and when to announce one's own. Pure, so it is tested in Node.
 *
 * Offsets travel as UTF-16 positions in the announcer's text at a version. A receiver places them in
 * its own text by the same patch mapping the editor uses for its own caret (client/patch diff +
 * editor.ts mapOffset): from the text it held at that version when it still has it, and then through
 * every change of its text (typing, remote changes) until the next announcement replaces them.
 */
import { diffText } from '../patch/index.ts';
import type { Presence } from '../sdk/browser.ts';
import { mapOffset } from './editor.ts';

/** At most this many announcements per second (5 per second: one every 200 ms). */
export const MIN_INTERVAL_MS = 200;
/** An idle editor announces itself this often, so others know it is still there. */
export const HEARTBEAT_MS = 3_000;
/** A session not heard of for this long is gone (it closed without saying so). */
export const EXPIRY_MS = 10_000;

export interface RemoteSession {
  sessionId: string;
  userId: string;
  name: string;
  /** Positions in the receiver's current text. */
  anchor: number;
  head: number;
  /** When it was last heard of (ms, the receiver's clock). */
  seen: number;
}

export class PresenceBoard {
  private readonly sessions = new Map<string, RemoteSession>();

  constructor(private readonly ownSession: string) {}

  /**
   * Takes an announcement. `textAt(version)` is the receiver's text at that version if it still
   * has it; `text` is its current text. Returns true when a session appeared or left.
   */
  receive(p: Presence, now: number, text: string, textAt: (version: number) => string | undefined): boolean {
    if (p.sessionId === this.ownSession) return false;
    const known = this.sessions.has(p.sessionId);
    if (p.leaving) return this.sessions.delete(p.sessionId);
    const then = textAt(p.version);
    let anchor = p.anchor;
    let head = p.head;
    if (then !== undefined && then !== text) {
      const moved = diffText(then, text);
      anchor = mapOffset(moved, anchor);
      head = mapOffset(moved, head);
    }
    const clamp = (n: number) => Math.max(0, Math.min(n, text.length));
    this.sessions.set(p.sessionId, { sessionId: p.sessionId, userId: p.userId, name: p.name, anchor: clamp(anchor), head: clamp(head), seen: now });
    return !known;
  }

  /** The receiver's text moved from `before` to `after`: every remote selection moves with the text around it. */
  textChanged(before: string, after: string): void {
    if (this.sessions.size === 0 || before === after) return;
    const moved = diffText(before, after);
    for (const s of this.sessions.values()) {
      s.anchor = mapOffset(moved, s.anchor);
      s.head = mapOffset(moved, s.head);
    }
  }

  /** Drops sessions not heard of within EXPIRY_MS; true when any went. */
  expire(now: number): boolean {
    let gone = false;
    for (const [id, s] of this.sessions) {
      if (now - s.seen > EXPIRY_MS) gone = this.sessions.delete(id) || gone;
    }
    return gone;
  }

  list(): RemoteSession[] {
    return [...this.sessions.values()].sort((a, b) => a.name.localeCompare(b.name) || a.sessionId.localeCompare(b.sessionId));
  }
}

/**
 * When to send one's own presence: at once when nothing went out for MIN_INTERVAL_MS, else once at
 * the end of the interval with the latest state (so a burst of caret moves costs at most 5 per
 * second and the last position always goes out), and every HEARTBEAT_MS while idle.
 */
export class Announcer {
  private last = -Infinity;
  private trailing: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly send: () => void,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  /** Something changed (the caret moved, someone new appeared). */
  poke(): void {
    if (this.stopped || this.trailing) return;
    const wait = this.last + MIN_INTERVAL_MS - this.clock();
    if (wait <= 0) this.fire();
    else this.trailing = setTimeout(() => this.fire(), wait);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.trailing);
    clearTimeout(this.heartbeat);
  }

  private fire(): void {
    this.trailing = undefined;
    if (this.stopped) return;
    this.last = this.clock();
    // The heartbeat: HEARTBEAT_MS after whatever went out last.
    clearTimeout(this.heartbeat);
    this.heartbeat = setTimeout(() => this.fire(), HEARTBEAT_MS);
    this.send();
  }
}
