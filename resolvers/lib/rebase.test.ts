import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { applyText, diffText, rebase } from '../../client/patch/index.ts';

vi.mock('@aws-appsync/utils', () => ({
  util: {
    error: (message: string, errorType: string) => {
      throw Object.assign(new Error(message), { errorType });
    },
  },
}));
const { rebaseOps } = await import('./rebase.ts');

const unit = fc.constantFrom('a', 'b', ' ', 'é', '😀', '\n');
const text = fc.string({ unit, maxLength: 30 });

describe('server-side rebase', () => {
  it('gives exactly the client library rebase (same ops, same text) for concurrent edits of one base', () => {
    fc.assert(
      fc.property(text, text, text, (base, a, b) => {
        const theirs = diffText(base, a);
        const mine = diffText(base, b);
        const server = rebaseOps(mine.ops, theirs.ops);
        const client = rebase(mine, theirs);
        expect(server).toEqual(client.ops);
        // and the rebased edit applies after theirs
        applyText({ v: 1, t: 'text', ops: server as never }, a);
      }),
      { numRuns: 3000 },
    );
  });

  it('chains over several committed changes like the client rebasing its queue', () => {
    fc.assert(
      fc.property(text, fc.array(text, { minLength: 1, maxLength: 5 }), text, (base, others, mineText) => {
        let mine = diffText(base, mineText);
        let ops: unknown[] = mine.ops;
        let current = base;
        for (const o of others) {
          const theirs = diffText(current, o);
          ops = rebaseOps(ops, theirs.ops);
          mine = rebase(mine, theirs);
          current = o;
        }
        expect(ops).toEqual(mine.ops);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a patch whose base length does not fit with InvalidInput', () => {
    expect(() => rebaseOps([5], [3, 'x'])).toThrow(expect.objectContaining({ errorType: 'InvalidInput' }));
    expect(() => rebaseOps([2], [3, 'x'])).toThrow(expect.objectContaining({ errorType: 'InvalidInput' }));
  });
});
