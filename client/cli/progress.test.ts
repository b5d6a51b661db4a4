import { describe, expect, it } from 'vitest';
import { progressBar } from './progress.ts';

/** A stand-in for stderr that records what is written. */
function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, s: { isTTY, write: (x: string) => writes.push(x) } as unknown as NodeJS.WriteStream };
}

describe('progressBar', () => {
  it('draws on a terminal, redrawing only when the percentage changes, and ends the line', () => {
    const { writes, s } = stream(true);
    const bar = progressBar('upload', { json: false, stream: s });
    bar.update({ loaded: 0, total: 2 * 1048576 });
    bar.update({ loaded: 1, total: 2 * 1048576 }); // still 0%
    bar.update({ loaded: 1048576, total: 2 * 1048576 });
    bar.update({ loaded: 2 * 1048576, total: 2 * 1048576 });
    bar.done();
    expect(writes).toHaveLength(4);
    expect(writes[1]).toContain(' 50% 1.0/2.0 MB');
    expect(writes[2]).toContain('100%');
    expect(writes.every((w, i) => (i < 3 ? w.startsWith('\rupload [') : w === '\n'))).toBe(true);
  });

  it('stays silent when not a terminal or with --json', () => {
    for (const [tty, json] of [
      [false, false],
      [true, true],
    ] as const) {
      const { writes, s } = stream(tty);
      const bar = progressBar('download', { json, stream: s });
      bar.update({ loaded: 5, total: 10 });
      bar.done();
      expect(writes).toEqual([]);
    }
  });
});
