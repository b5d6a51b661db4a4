import { describe, expect, it } from 'vitest';
import type { SubscriptionFilterSpec } from '../appsync-js/types.ts';
import { jsonEqual, matchesArguments, matchesFilter, matchesInvalidation, testOperator, validateFilterSpec, valueAt } from './filters.ts';

const spec = (...groups: Array<Array<[string, string, unknown]>>): SubscriptionFilterSpec => ({
  filterGroup: groups.map((g) => ({ filters: g.map(([fieldName, operator, value]) => ({ fieldName, operator, value })) })),
});

describe('operators', () => {
  it.each([
    ['eq', 3, 3, true],
    ['eq', 'a', 'a', true],
    ['eq', true, true, true],
    ['eq', 3, '3', false],
    ['eq', undefined, null, true],
    ['ne', 3, 4, true],
    ['ne', 'a', 'a', false],
    ['ne', undefined, 'a', true],
    ['lt', 1, 2, true],
    ['lt', 2, 2, false],
    ['le', 2, 2, true],
    ['gt', 3, 2, true],
    ['ge', 2, 2, true],
    ['ge', 1, 2, false],
    ['lt', 'a', 'b', true],
    ['gt', 'b', 'a', true],
    ['lt', 1, '2', false],
    ['gt', undefined, 0, false],
    ['contains', 'hello world', 'lo w', true],
    ['contains', 'hello', 'xyz', false],
    ['contains', ['a', 'b'], 'b', true],
    ['contains', [1, 2], 3, false],
    ['contains', undefined, 'a', false],
    ['notContains', 'hello', 'xyz', true],
    ['notContains', ['a', 'b'], 'a', false],
    ['notContains', undefined, 'a', true],
    ['beginsWith', 'keep me', 'keep', true],
    ['beginsWith', 'drop me', 'keep', false],
    ['beginsWith', 5, '5', false],
    ['in', 'Admin', ['Admin', 'Dev'], true],
    ['in', 'Ops', ['Admin', 'Dev'], false],
    ['in', 2, [1, 2], true],
    ['notIn', 'Ops', ['Admin'], true],
    ['notIn', 'Admin', ['Admin'], false],
    ['between', 5, [1, 10], true],
    ['between', 1, [1, 10], true],
    ['between', 10, [1, 10], true],
    ['between', 11, [1, 10], false],
    ['between', 'm', ['a', 'z'], true],
    ['between', 5, [1], false],
    ['containsAny', ['a', 'b'], ['x', 'b'], true],
    ['containsAny', ['a'], ['x', 'y'], false],
    ['containsAny', 'x', ['x', 'y'], true],
    ['nope', 1, 1, false],
  ] as const)('%s(%j, %j) is %s', (op, actual, value, expected) => {
    expect(testOperator(op, actual, value)).toBe(expected);
  });
});

describe('matchesFilter', () => {
  const event = { board: 'b1', title: 'keep me', size: 10, owner: { name: 'alice', team: { id: 't1' } }, tags: ['x', 'y'] };

  it('passes everything without a spec or groups', () => {
    expect(matchesFilter(undefined, event)).toBe(true);
    expect(matchesFilter({ filterGroup: [] }, event)).toBe(true);
  });

  it('ANDs filters within a group', () => {
    expect(
      matchesFilter(
        spec([
          ['board', 'eq', 'b1'],
          ['title', 'beginsWith', 'keep'],
        ]),
        event,
      ),
    ).toBe(true);
    expect(
      matchesFilter(
        spec([
          ['board', 'eq', 'b1'],
          ['title', 'beginsWith', 'drop'],
        ]),
        event,
      ),
    ).toBe(false);
  });

  it('ORs groups', () => {
    expect(matchesFilter(spec([['board', 'eq', 'zz']], [['size', 'gt', 5]]), event)).toBe(true);
    expect(matchesFilter(spec([['board', 'eq', 'zz']], [['size', 'gt', 50]]), event)).toBe(false);
  });

  it('reads nested field names with dots', () => {
    expect(
      matchesFilter(
        spec([
          ['owner.name', 'eq', 'alice'],
          ['owner.team.id', 'in', ['t1', 't2']],
        ]),
        event,
      ),
    ).toBe(true);
    expect(matchesFilter(spec([['owner.missing.deeper', 'eq', 'x']]), event)).toBe(false);
    expect(valueAt(event, 'tags.0')).toBeUndefined(); // paths walk objects, not lists
  });

  it('matches list fields with contains and containsAny', () => {
    expect(matchesFilter(spec([['tags', 'contains', 'y']]), event)).toBe(true);
    expect(matchesFilter(spec([['tags', 'containsAny', ['q', 'x']]]), event)).toBe(true);
  });
});

describe('argument and invalidation matching', () => {
  it('requires each argument to equal the same-named field', () => {
    expect(matchesArguments({}, { a: 1 })).toBe(true);
    expect(matchesArguments({ board: 'b1' }, { board: 'b1', x: 2 })).toBe(true);
    expect(matchesArguments({ board: 'b1' }, { board: 'b2' })).toBe(false);
    expect(matchesArguments({ board: 'b1' }, {})).toBe(false);
    expect(matchesArguments({ input: { a: 1, b: [1, 2] } }, { input: { b: [1, 2], a: 1 } })).toBe(true);
  });

  it('invalidates only through a non-empty invalidation filter', () => {
    const f = spec([
      ['groupId', 'eq', 'g1'],
      ['userId', 'eq', 'u1'],
    ]);
    expect(matchesInvalidation(f, { groupId: 'g1', userId: 'u1' })).toBe(true);
    expect(matchesInvalidation(f, { groupId: 'g1', userId: 'u2' })).toBe(false);
    expect(matchesInvalidation(undefined, { groupId: 'g1' })).toBe(false);
    expect(matchesInvalidation({ filterGroup: [] }, { groupId: 'g1' })).toBe(false);
  });

  it('compares JSON values structurally', () => {
    expect(jsonEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: 1 }, [1])).toBe(false);
  });
});

describe('validateFilterSpec (AppSync limits)', () => {
  it('accepts what util.transform.toSubscriptionFilter produces', () => {
    expect(
      validateFilterSpec(
        spec([
          ['board', 'eq', 'b'],
          ['title', 'beginsWith', 'k'],
        ]),
      ),
    ).toBeNull();
    expect(validateFilterSpec(undefined, { a: 1 })).toBeNull();
  });

  it('refuses unknown operators and wrong value shapes', () => {
    expect(validateFilterSpec(spec([['a', 'like', 'x']]))).toMatch(/unknown operator `like`/);
    expect(validateFilterSpec(spec([['a', 'in', 'x']]))).toMatch(/invalid filter value for operator `in`/);
    expect(validateFilterSpec(spec([['a', 'between', [1]]]))).toMatch(/operator `between`/);
    expect(validateFilterSpec(spec([['a', 'beginsWith', 3]]))).toMatch(/operator `beginsWith`/);
    expect(validateFilterSpec(spec([['a', 'eq', { x: 1 }]]))).toMatch(/operator `eq`/);
  });

  it('enforces the value-count, group, attribute and field-name limits', () => {
    expect(validateFilterSpec(spec([['a', 'in', [1, 2, 3, 4, 5, 6]]]))).toMatch(/at most 5 values/);
    expect(validateFilterSpec(spec([['a', 'containsAny', Array.from({ length: 21 }, (_, i) => i)]]))).toMatch(/at most 20 values/);
    expect(validateFilterSpec(spec(...Array.from({ length: 11 }, () => [['a', 'eq', 1]] as Array<[string, string, unknown]>)))).toMatch(/11 filter groups/);
    expect(
      validateFilterSpec(
        spec([
          ['a', 'eq', 1],
          ['b', 'eq', 1],
          ['c', 'eq', 1],
          ['d', 'eq', 1],
          ['e', 'eq', 1],
          ['f', 'eq', 1],
        ]),
      ),
    ).toBe('Filters exceed maximum attributes limit 5 for subscription');
    expect(
      validateFilterSpec(
        spec([
          ['a', 'eq', 1],
          ['b', 'eq', 1],
        ]),
        { c: 1, d: 1, e: 1, f: 1 },
      ),
    ).toMatch(/attributes limit 5/);
    expect(validateFilterSpec(spec([['a.b.c.d.e.f', 'eq', 1]]))).toMatch(/deeper than 5 levels/);
    expect(validateFilterSpec(spec([['x'.repeat(257), 'eq', 1]]))).toMatch(/longer than 256/);
    expect(validateFilterSpec({ filterGroup: [{ filters: [] }] })).toMatch(/non-empty "filters"/);
    expect(validateFilterSpec({} as SubscriptionFilterSpec)).toMatch(/"filterGroup" list/);
  });
});
