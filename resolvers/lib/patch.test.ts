import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { applyText, diffText, PatchError } from '../../client/patch/index.ts';

// Outside AppSync, util.error becomes a throw the test can observe.
vi.mock('@aws-appsync/utils', () => ({
  util: {
    error: (message: string, errorType: string) => {
      throw Object.assign(new Error(message), { errorType });
    },
  },
}));
const { applyTextPatch } = await import('./patch.ts');

const unit = fc.constantFrom('a', 'b', ' ', 'é', '😀', '\uD800', '\uDC00');
const text = fc.string({ unit, maxLength: 40 });
const ops = fc.array(fc.oneof(fc.integer({ min: -6, max: 6 }), fc.string({ unit, maxLength: 3 })), { maxLength: 8 });

function outcome(f: () => string): string {
  try {
    return `ok:${f()}`;
  } catch (e) {
    return e instanceof PatchError || (e as { errorType?: string }).errorType ? 'refused' : `threw:${(e as Error).message}`;
  }
}

describe('server-side text patch application', () => {
  it('matches the client library on diffs', () => {
    fc.assert(
      fc.property(text, text, (a, b) => applyTextPatch(diffText(a, b), a) === b),
      { numRuns: 1000 },
    );
  });

  it('accepts and refuses exactly what the client library does', () => {
    fc.assert(
      fc.property(text, ops, (base, o) => {
        const patch = { v: 1, t: 'text', ops: o };
        return outcome(() => applyTextPatch(patch, base)) === outcome(() => applyText(patch, base));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses binary patches with InvalidInput', () => {
    expect(() => applyTextPatch({ v: 1, t: 'bin', ops: [] }, '')).toThrow(expect.objectContaining({ errorType: 'InvalidInput' }));
  });
});
