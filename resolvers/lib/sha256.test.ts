import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';

// Outside AppSync: a util.base64Encode that refuses lone surrogates, so the test proves contentSha256
// never hands it one (what an encoder does with them differs; clients hash them as U+FFFD).
vi.mock('@aws-appsync/utils', () => ({
  util: {
    base64Encode: (s: string) => {
      if (Buffer.from(s, 'utf8').toString('utf8') !== s) throw new Error('lone surrogate reached util.base64Encode');
      return Buffer.from(s, 'utf8').toString('base64');
    },
  },
}));
const { contentSha256, sha256OfBytes } = await import('./sha256.ts');

const node = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const unit = fc.constantFrom('a', 'é', '€', '😀', '\uD800', '\uDC00', '\n', '\u0000');

describe('SHA-256 in APPSYNC_JS', () => {
  it('agrees with node:crypto at every padding boundary', () => {
    for (let n = 0; n <= 200; n += 1) {
      const bytes = Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
      expect(sha256OfBytes(bytes)).toBe(node(Uint8Array.from(bytes)));
    }
  });

  it('agrees with node:crypto on random text (UTF-8) and random bytes (BASE64)', () => {
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 300 }), (s) => contentSha256('TEXT', s) === node(Buffer.from(s, 'utf8'))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => contentSha256('BASE64', Buffer.from(b).toString('base64')) === node(b)),
      { numRuns: 300 },
    );
  });

  it('hashes the largest inline text (32,768 three-byte characters)', () => {
    const s = '€'.repeat(32768);
    expect(contentSha256('TEXT', s)).toBe(node(Buffer.from(s, 'utf8')));
    expect(contentSha256('TEXT', '')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
