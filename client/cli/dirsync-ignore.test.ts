import { describe, expect, it } from 'vitest';
import { parseIgnore } from './dirsync-ignore.ts';

describe('.craftsyncignore', () => {
  it('a name without a slash matches at any depth; * and ? stay within a segment', () => {
    const r = parseIgnore('# editor files\n*.tmp\n\n?.bak\n');
    expect(r.ignores('a.tmp')).toBe(true);
    expect(r.ignores('notes/deep/x.tmp')).toBe(true);
    expect(r.ignores('x.bak')).toBe(true);
    expect(r.ignores('xy.bak')).toBe(false);
    expect(r.ignores('a.tmp.txt')).toBe(false);
    expect(r.ignores('# editor files')).toBe(false);
  });

  it('a slash anchors to the root; ** crosses folders; a trailing slash means folders only', () => {
    const r = parseIgnore('/build\ndocs/*.pdf\nlogs/**/old\ncache/\n');
    expect(r.ignores('build')).toBe(true);
    expect(r.ignores('build/out.js')).toBe(true);
    expect(r.ignores('src/build')).toBe(false);
    expect(r.ignores('docs/a.pdf')).toBe(true);
    expect(r.ignores('docs/sub/a.pdf')).toBe(false);
    expect(r.ignores('logs/old')).toBe(true);
    expect(r.ignores('logs/2026/12/old')).toBe(true);
    expect(r.ignores('cache/x')).toBe(true);
    expect(r.ignores('a/cache/x')).toBe(true);
    expect(r.ignores('cache')).toBe(false); // a file named cache
    expect(r.matches('cache', true)).toBe(true);
  });

  it('the last matching rule wins, so ! re-includes; special characters are literal', () => {
    const r = parseIgnore('*.log\n!keep.log\na+b(1).txt\n\\#hash\n');
    expect(r.ignores('x.log')).toBe(true);
    expect(r.ignores('keep.log')).toBe(false);
    expect(r.ignores('sub/keep.log')).toBe(false);
    expect(r.ignores('a+b(1).txt')).toBe(true);
    expect(r.ignores('aab(1).txt')).toBe(false);
    expect(r.ignores('#hash')).toBe(true);
  });

  it('an empty file ignores nothing', () => {
    expect(parseIgnore('').ignores('a/b/c')).toBe(false);
  });
});
