/**
 * EventBridge event patterns, the commonly used subset: exact values (OR within an array),
 * nested fields, arrays in the event (any element matches), `prefix`, `suffix`,
 * `equals-ignore-case`, `anything-but` (a value, a list, or a prefix), `numeric` ranges, `exists`,
 * and `$or`. Patterns are validated when a rule is added, as PutRule does.
 */
export type EventPattern = { [field: string]: unknown };

export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternException';
}

const invalid = (why: string) => new InvalidEventPatternError(`Event pattern is not valid. Reason: ${why}`);

export function validatePattern(pattern: unknown, path = ''): void {
  if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern)) throw invalid(`pattern at "${path || '/'}" must be an object`);
  for (const [key, value] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2) throw invalid(`"$or" at "${path}" needs at least two patterns`);
      value.forEach((p, i) => validatePattern(p, `${path}/$or[${i}]`));
    } else if (Array.isArray(value)) {
      if (value.length === 0) throw invalid(`empty array at "${path}/${key}"`);
      value.forEach((m) => validateMatcher(m, `${path}/${key}`));
    } else if (typeof value === 'object' && value !== null) {
      validatePattern(value, `${path}/${key}`);
    } else {
      throw invalid(`match value at "${path}/${key}" must be an array or an object`);
    }
  }
}

function validateMatcher(m: unknown, path: string): void {
  if (m === null || typeof m !== 'object') return;
  if (Array.isArray(m)) throw invalid(`nested array at "${path}"`);
  const [op, arg, ...rest] = Object.entries(m).flat();
  if (rest.length) throw invalid(`a matcher at "${path}" has more than one operator`);
  switch (op) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      if (typeof arg !== 'string') throw invalid(`"${op}" at "${path}" needs a string`);
      return;
    case 'exists':
      if (typeof arg !== 'boolean') throw invalid(`"exists" at "${path}" needs true or false`);
      return;
    case 'anything-but':
      if (typeof arg === 'object' && arg !== null && !Array.isArray(arg)) {
        if (typeof (arg as { prefix?: unknown }).prefix !== 'string') throw invalid(`"anything-but" at "${path}" supports only a nested prefix`);
      }
      return;
    case 'numeric': {
      if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2) throw invalid(`"numeric" at "${path}" needs operator/number pairs`);
      for (let i = 0; i < arg.length; i += 2) {
        if (!['<', '<=', '=', '>', '>='].includes(arg[i] as string) || typeof arg[i + 1] !== 'number') throw invalid(`bad "numeric" at "${path}"`);
      }
      return;
    }
    default:
      throw invalid(`unsupported operator "${String(op)}" at "${path}"`);
  }
}

export function matches(pattern: EventPattern, event: unknown): boolean {
  return Object.entries(pattern).every(([key, spec]) => {
    if (key === '$or') return (spec as EventPattern[]).some((p) => matches(p, event));
    const value = event !== null && typeof event === 'object' && !Array.isArray(event) ? (event as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(spec)) return matchLeaf(spec, value);
    // A nested pattern needs a nested object (or objects, for an array of them).
    if (Array.isArray(value)) return value.some((v) => matches(spec as EventPattern, v));
    return value !== undefined && value !== null && typeof value === 'object' && matches(spec as EventPattern, value);
  });
}

function matchLeaf(matchers: unknown[], value: unknown): boolean {
  const present = value !== undefined;
  // An exists:false matcher is about the field as a whole, not its elements.
  for (const m of matchers) {
    if (isOp(m, 'exists')) {
      const want = (m as { exists: boolean }).exists;
      if (want === present && (!Array.isArray(value) || value.length > 0 || !want)) return true;
    }
  }
  if (!present) return false;
  const values = Array.isArray(value) ? value : [value];
  return matchers.some((m) => !isOp(m, 'exists') && values.some((v) => matchOne(m, v, values)));
}

function isOp(m: unknown, op: string): boolean {
  return typeof m === 'object' && m !== null && op in m;
}

function matchOne(m: unknown, v: unknown, all: unknown[]): boolean {
  if (m === null || typeof m !== 'object') return m === v;
  const [op, arg] = Object.entries(m)[0] as [string, unknown];
  switch (op) {
    case 'prefix':
      return typeof v === 'string' && v.startsWith(arg as string);
    case 'suffix':
      return typeof v === 'string' && v.endsWith(arg as string);
    case 'equals-ignore-case':
      return typeof v === 'string' && v.toLowerCase() === (arg as string).toLowerCase();
    case 'anything-but': {
      // Every element of an array field must avoid the excluded values.
      if (typeof arg === 'object' && arg !== null && !Array.isArray(arg)) {
        const prefix = (arg as { prefix: string }).prefix;
        return all.every((x) => typeof x === 'string' && !x.startsWith(prefix));
      }
      const excluded = Array.isArray(arg) ? arg : [arg];
      return all.every((x) => !excluded.includes(x));
    }
    case 'numeric': {
      if (typeof v !== 'number') return false;
      const conds = arg as Array<string | number>;
      for (let i = 0; i < conds.length; i += 2) {
        const n = conds[i + 1] as number;
        const ok = { '<': v < n, '<=': v <= n, '=': v === n, '>': v > n, '>=': v >= n }[conds[i] as '<'];
        if (!ok) return false;
      }
      return true;
    }
    default:
      return false;
  }
}
