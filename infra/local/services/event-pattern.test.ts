import { describe, expect, it } from 'vitest';
import { matches, validatePattern, type EventPattern } from './event-pattern.ts';

const event = {
  source: 'craft.files',
  'detail-type': 'FileChanged',
  resources: ['arn:a', 'arn:b'],
  detail: { op: 'MODIFY', size: 120, owner: { id: 'u1' }, tags: ['text', 'draft'], note: null },
};

describe('event patterns', () => {
  it.each<[string, EventPattern, boolean]>([
    ['exact value', { source: ['craft.files'] }, true],
    ['exact, OR within the list', { 'detail-type': ['Other', 'FileChanged'] }, true],
    ['exact mismatch', { source: ['other'] }, false],
    ['nested field', { detail: { owner: { id: ['u1'] } } }, true],
    ['array field, any element', { detail: { tags: ['draft'] } }, true],
    ['null value', { detail: { note: [null] } }, true],
    ['prefix', { source: [{ prefix: 'craft.' }] }, true],
    ['prefix mismatch', { source: [{ prefix: 'aws.' }] }, false],
    ['suffix', { 'detail-type': [{ suffix: 'Changed' }] }, true],
    ['equals-ignore-case', { detail: { op: [{ 'equals-ignore-case': 'modify' }] } }, true],
    ['anything-but value', { detail: { op: [{ 'anything-but': 'DELETE' }] } }, true],
    ['anything-but list excludes', { detail: { op: [{ 'anything-but': ['MODIFY', 'DELETE'] }] } }, false],
    ['anything-but prefix', { source: [{ 'anything-but': { prefix: 'aws.' } }] }, true],
    ['anything-but does not match a missing field', { detail: { missing: [{ 'anything-but': 'x' }] } }, false],
    ['numeric range', { detail: { size: [{ numeric: ['>', 100, '<=', 120] }] } }, true],
    ['numeric out of range', { detail: { size: [{ numeric: ['<', 100] }] } }, false],
    ['numeric on a string', { detail: { op: [{ numeric: ['>', 0] }] } }, false],
    ['exists true', { detail: { owner: { id: [{ exists: true }] } } }, true],
    ['exists false on a missing field', { detail: { deletedBy: [{ exists: false }] } }, true],
    ['exists false on a present field', { detail: { op: [{ exists: false }] } }, false],
    ['all fields must match', { source: ['craft.files'], detail: { op: ['DELETE'] } }, false],
    ['$or', { detail: { $or: [{ op: ['DELETE'] }, { size: [{ numeric: ['>', 100] }] }] } }, true],
    ['nested pattern over a scalar', { source: { x: ['y'] } }, false],
  ])('%s', (_, pattern, expected) => {
    validatePattern(pattern);
    expect(matches(pattern, event)).toBe(expected);
  });

  it.each<[string, unknown]>([
    ['a scalar leaf', { source: 'craft.files' }],
    ['an empty list', { source: [] }],
    ['an unknown operator', { source: [{ regex: '.*' }] }],
    ['a bad numeric', { detail: { size: [{ numeric: ['>>', 1] }] } }],
    ['not an object', ['source']],
  ])('rejects %s', (_, pattern) => {
    expect(() => validatePattern(pattern)).toThrow(/Event pattern is not valid/);
  });
});
