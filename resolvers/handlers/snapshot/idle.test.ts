import { describe, expect, it } from 'vitest';
import { IDLE_MS, OLD_TAIL_MS, tailDue } from './idle.ts';

describe('when a tail is settled into its base', () => {
  const now = Date.parse('2026-12-03T12:00:00Z');
  const ago = (ms: number) => new Date(now - ms).toISOString();

  it('a file written a moment ago with a young tail: no (its commits move the base)', () => {
    expect(tailDue({ updatedAt: ago(1000) }, ago(60_000), now)).toBe(false);
    expect(tailDue({ updatedAt: ago(IDLE_MS - 1000) }, ago(IDLE_MS), now)).toBe(false);
  });

  it('a quiet file: yes, whatever the age of its tail', () => {
    expect(tailDue({ updatedAt: ago(IDLE_MS) }, ago(IDLE_MS), now)).toBe(true);
  });

  it('a file written a little every day: yes once its oldest patch is a week old, well before the log expires', () => {
    expect(tailDue({ updatedAt: ago(3600_000) }, ago(OLD_TAIL_MS - 3600_000), now)).toBe(false);
    expect(tailDue({ updatedAt: ago(3600_000) }, ago(OLD_TAIL_MS), now)).toBe(true);
    expect(OLD_TAIL_MS).toBeLessThan(30 * 24 * 3600 * 1000);
  });
});
