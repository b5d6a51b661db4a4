/**
 * Matching of subscription events: `@aws_subscribe` argument equality and AppSync's enhanced
 * filters (groups OR-ed, filters within a group AND-ed), also used for invalidation filters.
 */
import type { SubscriptionFilterSpec } from '../appsync-js/types.ts';

/** Reads `a.b.c` from an event. */
function at(data: Record<string, unknown>, path: string): unknown {
  let cur: unknown = data;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const eq = (a: unknown, b: unknown): boolean => a === b || (a != null && b != null && JSON.stringify(a) === JSON.stringify(b));
const cmp = (a: unknown, b: unknown): number | undefined =>
  (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string') ? (a < b ? -1 : a > b ? 1 : 0) : undefined;

function test(operator: string, actual: unknown, value: unknown): boolean {
  switch (operator) {
    case 'eq':
      return eq(actual, value);
    case 'ne':
      return !eq(actual, value);
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge': {
      const c = cmp(actual, value);
      if (c === undefined) return false;
      return operator === 'lt' ? c < 0 : operator === 'le' ? c <= 0 : operator === 'gt' ? c > 0 : c >= 0;
    }
    case 'contains':
      return Array.isArray(actual) ? actual.some((x) => eq(x, value)) : typeof actual === 'string' && typeof value === 'string' && actual.includes(value);
    case 'notContains':
      return !test('contains', actual, value);
    case 'beginsWith':
      return typeof actual === 'string' && typeof value === 'string' && actual.startsWith(value);
    case 'in':
      return Array.isArray(value) && value.some((v) => eq(actual, v));
    case 'notIn':
      return Array.isArray(value) && !value.some((v) => eq(actual, v));
    case 'between': {
      if (!Array.isArray(value) || value.length !== 2) return false;
      const lo = cmp(actual, value[0]);
      const hi = cmp(actual, value[1]);
      return lo !== undefined && hi !== undefined && lo >= 0 && hi <= 0;
    }
    case 'containsAny':
      return Array.isArray(value) && (Array.isArray(actual) ? actual.some((x) => value.some((v) => eq(x, v))) : value.some((v) => eq(actual, v)));
    case 'attributeExists':
      return value === false ? actual === undefined || actual === null : actual !== undefined && actual !== null;
    default:
      return false;
  }
}

/** True when the event passes the filter spec (no spec, or an empty one, passes everything). */
export function matchesFilter(spec: SubscriptionFilterSpec | undefined, data: Record<string, unknown>): boolean {
  const groups = spec?.filterGroup ?? [];
  if (groups.length === 0) return true;
  return groups.some((g) => (g.filters ?? []).every((f) => test(f.operator, at(data, f.fieldName), f.value)));
}

/** `@aws_subscribe`: every argument the subscriber passed must equal the event's same-named field. */
export function matchesArguments(argumentFilter: Record<string, unknown>, data: Record<string, unknown>): boolean {
  return Object.entries(argumentFilter).every(([k, v]) => eq(data[k], v));
}
