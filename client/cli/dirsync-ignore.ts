/**
 * `.craftsyncignore` at the root of a synced folder: which paths `sync <dir>` leaves alone, in a
 * subset of .gitignore's syntax (client/README.md lists it). Paths are relative to the folder, with
 * `/` between segments.
 */

export const IGNORE_FILE = '.craftsyncignore';

interface Rule {
  re: RegExp;
  negate: boolean;
  dirOnly: boolean;
}

export interface IgnoreRules {
  /** Whether `rel` (a file, or a folder with `isDir`) is ignored by itself. */
  matches(rel: string, isDir: boolean): boolean;
  /** Whether `rel` (a file) or any folder above it is ignored. */
  ignores(rel: string): boolean;
}

/** One glob as a regular expression over the whole path (`*` and `?` stop at `/`, `**` does not). */
function globSource(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < glob.length) {
      i += 1;
      re += glob[i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return re;
}

export function parseIgnore(text: string): IgnoreRules {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(/\s+$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1);
    const dirOnly = line.endsWith('/');
    if (dirOnly) line = line.slice(0, -1);
    // A slash anywhere but at the end ties the pattern to the folder's root; else it matches at any depth.
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    if (line === '') continue;
    rules.push({ re: new RegExp(`${anchored ? '^' : '(?:^|/)'}${globSource(line)}$`), negate, dirOnly });
  }
  const matches = (rel: string, isDir: boolean): boolean => {
    let ignored = false;
    // The last rule that matches decides, as in .gitignore.
    for (const r of rules) if ((!r.dirOnly || isDir) && r.re.test(rel)) ignored = !r.negate;
    return ignored;
  };
  return {
    matches,
    ignores(rel) {
      const parts = rel.split('/');
      for (let i = 1; i < parts.length; i += 1) if (matches(parts.slice(0, i).join('/'), true)) return true;
      return matches(rel, false);
    },
  };
}
