/**
 * Which subscriptions an event reaches: `@aws_subscribe` argument equality, AppSync's enhanced
 * filters (groups OR-ed, filters within a group AND-ed), and invalidation filters (same syntax,
 * matched against an `extensions.invalidateSubscriptions` payload).
 */
import type { SubscriptionFilterSpec } from '../appsync-js/types.ts';

export const FILTER_OPERATORS = ['eq', 'ne', 'le', 'lt', 'ge', 'gt', 'contains', 'notContains', 'beginsWith', 'in', 'notIn', 'between', 'containsAny'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** AppSync's documented limits on a subscription's filters. */
export const FILTER_LIMITS = {
  /** Filter groups in one filterGroup array. */
  maxGroups: 10,
  /** Distinct fields a subscription may filter on (argument filter and enhanced filter together). */
  maxAttributes: 5,
  maxInValues: 5,
  maxContainsAnyValues: 20,
  maxFieldNameDepth: 5,
  maxFieldNameLength: 256,
};

/** Reads `a.b.c` from an event; a missing step gives undefined. */
export function valueAt(data: unknown, path: string): unknown {
  let cur: unknown = data;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Structural equality of JSON values; a missing field equals null, as in a GraphQL result. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const x = a === undefined ? null : a;
  const y = b === undefined ? null : b;
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((v, i) => jsonEqual(v, y[i]));
  const xr = x as Record<string, unknown>;
  const yr = y as Record<string, unknown>;
  const keys = new Set([...Object.keys(xr), ...Object.keys(yr)]);
  for (const k of keys) if (!jsonEqual(xr[k], yr[k])) return false;
  return true;
}

/** Orders two numbers or two strings; anything else is not comparable. */
function compare(a: unknown, b: unknown): number | undefined {
  const comparable = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!comparable) return undefined;
  return a < b ? -1 : a > b ? 1 : 0;
}

function contains(actual: unknown, value: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((x) => jsonEqual(x, value));
  return typeof actual === 'string' && typeof value === 'string' && actual.includes(value);
}

/** One filter `{fieldName, operator, value}` against the field's value in the event. */
export function testOperator(operator: string, actual: unknown, value: unknown): boolean {
  switch (operator) {
    case 'eq':
      return jsonEqual(actual, value);
    case 'ne':
      return !jsonEqual(actual, value);
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge': {
      const c = compare(actual, value);
      if (c === undefined) return false;
      return operator === 'lt' ? c < 0 : operator === 'le' ? c <= 0 : operator === 'gt' ? c > 0 : c >= 0;
    }
    case 'contains':
      return contains(actual, value);
    case 'notContains':
      return !contains(actual, value);
    case 'beginsWith':
      return typeof actual === 'string' && typeof value === 'string' && actual.startsWith(value);
    case 'in':
      return Array.isArray(value) && value.some((v) => jsonEqual(actual, v));
    case 'notIn':
      return Array.isArray(value) && !value.some((v) => jsonEqual(actual, v));
    case 'between': {
      if (!Array.isArray(value) || value.length !== 2) return false;
      const lo = compare(actual, value[0]);
      const hi = compare(actual, value[1]);
      return lo !== undefined && hi !== undefined && lo >= 0 && hi <= 0;
    }
    case 'containsAny':
      // A list field shares at least one element with the value list; a scalar field is one of them.
      if (!Array.isArray(value)) return false;
      return Array.isArray(actual) ? actual.some((x) => value.some((v) => jsonEqual(x, v))) : value.some((v) => jsonEqual(actual, v));
    default:
      return false;
  }
}

/** True when the event passes the spec; no spec, or one without groups, passes everything. */
export function matchesFilter(spec: SubscriptionFilterSpec | undefined, data: Record<string, unknown>): boolean {
  const groups = spec?.filterGroup ?? [];
  if (groups.length === 0) return true;
  return groups.some((g) => (g.filters ?? []).every((f) => testOperator(f.operator, valueAt(data, f.fieldName), f.value)));
}

/** `@aws_subscribe`: every argument the subscriber passed must equal the event's same-named field. */
export function matchesArguments(argumentFilter: Record<string, unknown>, data: Record<string, unknown>): boolean {
  return Object.entries(argumentFilter).every(([k, v]) => jsonEqual(data[k], v));
}

/** A subscription is invalidated only by a payload its own (non-empty) invalidation filter matches. */
export function matchesInvalidation(invalidationFilter: SubscriptionFilterSpec | undefined, payload: Record<string, unknown>): boolean {
  if (!invalidationFilter || (invalidationFilter.filterGroup ?? []).length === 0) return false;
  return matchesFilter(invalidationFilter, payload);
}

const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const orderable = (v: unknown) => typeof v === 'string' || typeof v === 'number';

function checkValue(op: FilterOperator, value: unknown): string | null {
  const list = (max: number, ok: (v: unknown) => boolean) => {
    if (!Array.isArray(value) || value.length === 0) return `subscription filter has invalid filter value for operator \`${op}\`: expected a non-empty list.`;
    if (value.length > max) return `subscription filter has invalid filter value for operator \`${op}\`: at most ${max} values are allowed, got ${value.length}.`;
    if (!value.every(ok)) return `subscription filter has invalid filter value for operator \`${op}\`.`;
    return null;
  };
  switch (op) {
    case 'eq':
    case 'ne':
      return scalar(value) || value === null ? null : `subscription filter has invalid filter value for operator \`${op}\`.`;
    case 'le':
    case 'lt':
    case 'ge':
    case 'gt':
    case 'contains':
    case 'notContains':
      return orderable(value) ? null : `subscription filter has invalid filter value for operator \`${op}\`.`;
    case 'beginsWith':
      return typeof value === 'string' ? null : `subscription filter has invalid filter value for operator \`${op}\`.`;
    case 'in':
    case 'notIn':
      return list(FILTER_LIMITS.maxInValues, orderable);
    case 'containsAny':
      return list(FILTER_LIMITS.maxContainsAnyValues, orderable);
    case 'between':
      return Array.isArray(value) && value.length === 2 && value.every(orderable) ? null : `subscription filter has invalid filter value for operator \`${op}\`: expected a list of two values.`;
  }
}

/**
 * Checks a subscription's filters against AppSync's rules; returns what is wrong, or null.
 * `argumentFilter` counts towards the attribute limit as AppSync counts it.
 */
export function validateFilterSpec(spec: SubscriptionFilterSpec | undefined, argumentFilter: Record<string, unknown> = {}): string | null {
  const attributes = new Set(Object.keys(argumentFilter));
  if (spec !== undefined) {
    if (typeof spec !== 'object' || spec === null || !Array.isArray(spec.filterGroup)) return 'subscription filter must be an object with a "filterGroup" list.';
    if (spec.filterGroup.length > FILTER_LIMITS.maxGroups) {
      return `subscription filter has ${spec.filterGroup.length} filter groups; at most ${FILTER_LIMITS.maxGroups} are allowed.`;
    }
    for (const group of spec.filterGroup) {
      if (typeof group !== 'object' || group === null || !Array.isArray(group.filters) || group.filters.length === 0) {
        return 'each filter group must have a non-empty "filters" list.';
      }
      for (const f of group.filters) {
        if (typeof f !== 'object' || f === null || typeof f.fieldName !== 'string' || f.fieldName === '') return 'each filter needs a "fieldName" string.';
        if (f.fieldName.length > FILTER_LIMITS.maxFieldNameLength) return `fieldName "${f.fieldName.slice(0, 40)}…" is longer than ${FILTER_LIMITS.maxFieldNameLength} characters.`;
        if (f.fieldName.split('.').length > FILTER_LIMITS.maxFieldNameDepth) return `fieldName "${f.fieldName}" is nested deeper than ${FILTER_LIMITS.maxFieldNameDepth} levels.`;
        if (!(FILTER_OPERATORS as readonly string[]).includes(f.operator)) return `subscription filter has an unknown operator \`${String(f.operator)}\`.`;
        const bad = checkValue(f.operator as FilterOperator, f.value);
        if (bad) return bad;
        attributes.add(f.fieldName);
      }
    }
  }
  if (attributes.size > FILTER_LIMITS.maxAttributes) return `Filters exceed maximum attributes limit ${FILTER_LIMITS.maxAttributes} for subscription`;
  return null;
}
