import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Presence } from '../sdk/browser.ts';
import { Announcer, EXPIRY_MS, HEARTBEAT_MS, MIN_INTERVAL_MS, PresenceBoard } from './presence.ts';

const p = (over: Partial<Presence>): Presence => ({ fileId: 'f', userId: 'u-bob', sessionId: 's-bob', name: 'bob', anchor: 0, head: 0, version: 1, leaving: false, at: '', ...over });

describe('PresenceBoard', () => {
  it('ignores its own session, adds others once, and drops a session that leaves', () => {
    const board = new PresenceBoard('mine');
    expect(board.receive(p({ sessionId: 'mine' }), 0, 'abc', () => undefined)).toBe(false);
    expect(board.receive(p({ anchor: 1, head: 2 }), 0, 'abc', () => undefined)).toBe(true);
    expect(board.receive(p({ anchor: 2, head: 2 }), 0, 'abc', () => undefined)).toBe(false);
    expect(board.list()).toMatchObject([{ sessionId: 's-bob', anchor: 2, head: 2 }]);
    expect(board.receive(p({ leaving: true }), 0, 'abc', () => undefined)).toBe(true);
    expect(board.list()).toEqual([]);
  });

  it('places offsets made against an older text through what changed since, and keeps them on their text through later edits', () => {
    const board = new PresenceBoard('mine');
    // Bob's caret after "world" in v1; the receiver's text gained "Oh " at the start since.
    board.receive(p({ anchor: 6, head: 11, version: 1 }), 0, 'Oh hello world', (v) => (v === 1 ? 'hello world' : undefined));
    expect(board.list()[0]).toMatchObject({ anchor: 9, head: 14 });
    // Text removed before it pulls it back; text inserted inside the selection widens it.
    board.textChanged('Oh hello world', 'hello world');
    expect(board.list()[0]).toMatchObject({ anchor: 6, head: 11 });
    board.textChanged('hello world', 'hello big world');
    expect(board.list()[0]).toMatchObject({ anchor: 6, head: 15 });
    // Offsets beyond the text (a newer version not seen yet) are clamped.
    board.receive(p({ anchor: 99, head: 99, version: 7 }), 0, 'short', () => undefined);
    expect(board.list()[0]).toMatchObject({ anchor: 5, head: 5 });
  });

  it('forgets a session not heard of within the expiry', () => {
    const board = new PresenceBoard('mine');
    board.receive(p({}), 1_000, '', () => undefined);
    expect(board.expire(1_000 + EXPIRY_MS)).toBe(false);
    expect(board.expire(1_001 + EXPIRY_MS)).toBe(true);
    expect(board.list()).toEqual([]);
  });
});

describe('Announcer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends at most one announcement per interval (the latest state last), and a heartbeat while idle', () => {
    const sent: number[] = [];
    const announcer = new Announcer(() => sent.push(Date.now()));
    const start = Date.now();
    // A burst of 100 caret moves over one second.
    for (let i = 0; i < 100; i++) {
      announcer.poke();
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(MIN_INTERVAL_MS);
    expect(sent.length).toBeLessThanOrEqual(1_000 / MIN_INTERVAL_MS + 1);
    expect(sent.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < sent.length; i++) expect(sent[i]! - sent[i - 1]!).toBeGreaterThanOrEqual(MIN_INTERVAL_MS);
    // The last move went out after the burst ended.
    expect(sent.at(-1)! - start).toBeGreaterThanOrEqual(990);
    const afterBurst = sent.length;
    vi.advanceTimersByTime(HEARTBEAT_MS * 3);
    expect(sent.length - afterBurst).toBe(3);
    announcer.stop();
    vi.advanceTimersByTime(HEARTBEAT_MS * 3);
    announcer.poke();
    expect(sent.length - afterBurst).toBe(3);
  });
});
