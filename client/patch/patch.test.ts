import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apply, applyBytes, applyText, compose, diff, diffBytes, diffText, patchLengths, PatchError, rebase, transform, type Patch } from './index.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';

/** Few distinct units, so random strings share long runs the way real edits do; astral and lone surrogates included. */
const unit = fc.constantFrom('a', 'b', 'c', ' ', '\n', 'é', '😀', '𝄞', '\uD800', '\uDC00', '\uDBFF');
const text = fc.oneof(fc.string({ unit, maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ maxLength: 60 }));
/** A base and an edited copy of it: insertions, deletions and replacements at random places. */
const edited = text.chain((a) =>
  fc.array(fc.tuple(fc.nat(), fc.nat({ max: 5 }), fc.string({ unit, maxLength: 6 })), { maxLength: 5 }).map((edits) => {
    let b = a;
    for (const [at, del, ins] of edits) {
      const i = at % (b.length + 1);
      b = b.slice(0, i) + ins + b.slice(i + del);
    }
    return [a, b] as const;
  }),
);
const bytes = fc.uint8Array({ maxLength: 80 });
const smallBytes = fc.uint8Array({ maxLength: 80, max: 3 });

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof PatchError) return e.code;
    throw e;
  }
  return undefined;
}

describe('text patches', () => {
  it('apply(diff(a, b), a) = b for random strings', () => {
    fc.assert(
      fc.property(text, text, (a, b) => applyText(diffText(a, b), a) === b),
      { numRuns: 2000 },
    );
  });

  it('apply(diff(a, b), a) = b for edited strings, and the patch survives JSON', () => {
    fc.assert(
      fc.property(edited, ([a, b]) => {
        const p = JSON.parse(JSON.stringify(diffText(a, b))) as Patch;
        return apply(p, a) === b;
      }),
      { numRuns: 2000 },
    );
  });

  it('counts offsets in UTF-16 code units and never splits a surrogate pair', () => {
    expect(diffText('x😀y', 'x😁y').ops).toEqual([1, -2, '😁', 1]);
    expect(applyText({ v: 1, t: 'text', ops: [3, 'z', 1] }, 'x😀y')).toBe('x😀zy');
    expect(code(() => applyText({ v: 1, t: 'text', ops: [2, 'z', 2] }, 'x😀y'))).toBe('SPLITS_SURROGATE_PAIR');
  });

  it('keeps a small edit to a 1 MB text compact', () => {
    const a = 'lorem ipsum dolor sit amet\n'.repeat(40_000);
    const b = `${a.slice(0, 500_000)}EDIT${a.slice(500_010)}`;
    const p = diffText(a, b);
    expect(p.ops.length).toBeLessThanOrEqual(4);
    expect(JSON.stringify(p).length).toBeLessThan(60);
    expect(applyText(p, a)).toBe(b);
  });

  it('refuses patches that do not fit the base', () => {
    expect(code(() => applyText({ v: 1, t: 'text', ops: [4] }, 'abc'))).toBe('OUT_OF_RANGE');
    expect(code(() => applyText({ v: 1, t: 'text', ops: [1, -3] }, 'abc'))).toBe('OUT_OF_RANGE');
    expect(code(() => applyText({ v: 1, t: 'text', ops: [2] }, 'abc'))).toBe('SHORT');
    expect(code(() => applyText({ v: 1, t: 'text', ops: [0] }, ''))).toBe('MALFORMED');
    expect(code(() => applyText({ v: 1, t: 'text', ops: [1.5] }, 'ab'))).toBe('MALFORMED');
    expect(code(() => applyText({ v: 1, t: 'text', ops: [''] }, ''))).toBe('MALFORMED');
    expect(code(() => applyText({ v: 2, t: 'text', ops: [] }, ''))).toBe('UNSUPPORTED_VERSION');
    expect(code(() => applyText({ v: 1, t: 'bin', ops: [] }, ''))).toBe('WRONG_KIND');
    expect(code(() => applyText('[1]', 'a'))).toBe('MALFORMED');
  });

  it('reports base and result lengths without the content', () => {
    fc.assert(
      fc.property(edited, ([a, b]) => {
        const l = patchLengths(diffText(a, b));
        return l.base === a.length && l.result === b.length;
      }),
    );
  });
});

describe('binary patches', () => {
  it('apply(diff(a, b), a) = b for random bytes', () => {
    fc.assert(
      fc.property(bytes, bytes, (a, b) => Buffer.from(applyBytes(diffBytes(a, b), a)).equals(Buffer.from(b))),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(smallBytes, smallBytes, (a, b) => Buffer.from(apply(diff(a, b), a)).equals(Buffer.from(b))),
      { numRuns: 1000 },
    );
  });

  it('carries inserts as padded base64 and lengths in bytes', () => {
    const p = diffBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 9, 9, 3]));
    expect(p.ops).toEqual([1, -1, encodeBase64(new Uint8Array([9, 9])), 1]);
    expect(patchLengths(p)).toEqual({ base: 3, result: 4 });
    expect(code(() => applyBytes({ v: 1, t: 'bin', ops: ['not base64'] }, new Uint8Array()))).toBe('MALFORMED');
    expect(code(() => applyBytes({ v: 1, t: 'bin', ops: [2] }, new Uint8Array(3)))).toBe('SHORT');
    expect(code(() => applyBytes({ v: 1, t: 'bin', ops: [-4] }, new Uint8Array(3)))).toBe('OUT_OF_RANGE');
  });

  it('base64 round-trips and matches Node', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        const s = encodeBase64(b);
        return s === Buffer.from(b).toString('base64') && Buffer.from(decodeBase64(s)!).equals(Buffer.from(b));
      }),
    );
  });
});

describe('transform and rebase', () => {
  /** A base and two independent edits of it. */
  const concurrent = text.chain((base) =>
    fc
      .tuple(
        edited.map(([, b]) => b),
        edited.map(([, b]) => b),
      )
      .map(([x, y]) => {
        const ea = edit(base, x);
        const eb = edit(base, y);
        return [base, ea, eb] as const;
      }),
  );
  /** Derives an edit of `base` from a random string, so both edits share `base`. */
  function edit(base: string, seed: string): string {
    const i = seed.length % (base.length + 1);
    return base.slice(0, i) + seed.slice(0, 3) + base.slice(i + (seed.length % 3));
  }

  it('converges: apply(b2, apply(a, s)) = apply(a2, apply(b, s))', () => {
    fc.assert(
      fc.property(concurrent, ([s, x, y]) => {
        const a = diffText(s, x);
        const b = diffText(s, y);
        const [a2, b2] = transform(a, b);
        return applyText(b2, applyText(a, s)) === applyText(a2, applyText(b, s));
      }),
      { numRuns: 2000 },
    );
  });

  it('converges for bytes too', () => {
    fc.assert(
      fc.property(smallBytes, smallBytes, smallBytes, (s, x, y) => {
        const a = diffBytes(s, x.length ? x : s);
        const b = diffBytes(s, y);
        const [a2, b2] = transform(a, b);
        return Buffer.from(applyBytes(b2, applyBytes(a, s))).equals(Buffer.from(applyBytes(a2, applyBytes(b, s))));
      }),
      { numRuns: 500 },
    );
  });

  it('rebase keeps the committed insert first and the local edit intact', () => {
    const base = 'hello world';
    const theirs = diffText(base, 'hello brave world');
    const mine = diffText(base, 'hello world!');
    expect(applyText(rebase(mine, theirs), applyText(theirs, base))).toBe('hello brave world!');
    const t2 = diffText('ab', 'aXb');
    const m2 = diffText('ab', 'aYb');
    expect(applyText(rebase(m2, t2), 'aXb')).toBe('aXYb');
  });

  it('refuses patches of different bases', () => {
    expect(code(() => transform(diffText('abc', 'x'), diffText('ab', 'y')))).toBe('BASE_MISMATCH');
  });
});

describe('compose', () => {
  it('apply(compose(a, b), s) = apply(b, apply(a, s)), in canonical form', () => {
    fc.assert(
      fc.property(text, text, text, (s, t, u) => {
        const a = diffText(s, t);
        const b = diffText(t, u);
        const c = compose(a, b);
        expect(applyText(c, s)).toBe(u);
        // canonical: no two adjacent ops of one kind
        for (let i = 1; i < c.ops.length; i += 1) {
          const kind = (op: unknown) => (typeof op === 'string' ? 'i' : (op as number) > 0 ? 'r' : 'd');
          expect(kind(c.ops[i]) === kind(c.ops[i - 1])).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses patches that do not chain', () => {
    expect(() => compose(diffText('ab', 'abc'), diffText('a', 'b'))).toThrow(PatchError);
  });
});
