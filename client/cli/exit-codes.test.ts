import { describe, expect, it } from 'vitest';
import { CraftSyncError, typedError, UnmergeableConflictError } from '../sdk/index.ts';
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from './exit-codes.ts';

describe('craft-sync exit codes', () => {
  it.each([
    ['Unauthorized', EXIT.AUTH],
    ['NotFound', EXIT.NOT_FOUND],
    ['Forbidden', EXIT.FORBIDDEN],
    ['Conflict', EXIT.CONFLICT],
    ['AlreadyExists', EXIT.CONFLICT],
    ['InvalidInput', EXIT.INVALID],
    ['TooLarge', EXIT.INVALID],
    ['LogTruncated', EXIT.INVALID],
    ['Network', EXIT.UNAVAILABLE],
    ['Busy', EXIT.UNAVAILABLE],
    ['Integrity', EXIT.INTEGRITY],
  ])('%s exits %i', (errorType, code) => {
    expect(exitCodeFor(typedError(errorType, 'x'))).toBe(code);
  });

  it('an unmergeable conflict exits 6; anything unknown exits 1', () => {
    expect(exitCodeFor(new UnmergeableConflictError('binary edit on an old version', 'AA==', 2))).toBe(6);
    expect(exitCodeFor(new CraftSyncError('Unknown', 'x'))).toBe(1);
    expect(exitCodeFor(typedError('SomethingNew', 'x'))).toBe(1);
    expect(exitCodeFor(new Error('bug'))).toBe(1);
  });

  it('--help states every code', () => {
    for (const code of new Set(Object.values(EXIT))) expect(EXIT_CODES_HELP).toMatch(new RegExp(`\\b${code} [a-z]`));
  });
});
