/** util.transform: filter/condition objects to DynamoDB expressions, and subscription filters. */
import { conditionExpression } from './expressions.ts';

type Obj = Record<string, unknown>;
interface Filter {
  fieldName: string;
  operator: string;
  value: unknown;
}

/** One field's operators as filters (AND-ed). */
function fieldFilters(field: string, ops: unknown): Filter[] {
  if (typeof ops !== 'object' || ops === null) return [];
  return Object.entries(ops as Obj)
    .filter(([, v]) => v !== undefined)
    .map(([operator, value]) => ({ fieldName: field, operator, value }));
}

/** The object as disjunctive normal form: a list of groups, each a list of AND-ed filters. */
function groupsOf(obj: Obj, ignored: string[] = []): Filter[][] {
  let groups: Filter[][] = [[]];
  for (const [key, spec] of Object.entries(obj)) {
    if (spec === undefined || ignored.includes(key)) continue;
    if (key === 'or') {
      const alts = (spec as Obj[]).flatMap((s) => groupsOf(s));
      groups = groups.flatMap((g) => alts.map((a) => [...g, ...a]));
    } else if (key === 'and') {
      for (const s of spec as Obj[]) {
        const sub = groupsOf(s);
        groups = groups.flatMap((g) => sub.map((a) => [...g, ...a]));
      }
    } else {
      const f = fieldFilters(key, spec);
      groups = groups.map((g) => [...g, ...f]);
    }
  }
  return groups;
}

export function toSubscriptionFilter(obj: Obj, ignoredFields?: string[], rules?: Obj): { filterGroup: Array<{ filters: Filter[] }> } {
  let groups = groupsOf(obj ?? {}, ignoredFields ?? []);
  if (rules && Object.keys(rules).length > 0) {
    // At least one rule must hold: each rule filter is an alternative added to every group.
    const alternatives = Object.entries(rules).flatMap(([field, ops]) => fieldFilters(field, ops));
    if (alternatives.length > 0) groups = groups.flatMap((g) => alternatives.map((r) => [...g, r]));
  }
  return { filterGroup: groups.filter((g) => g.length > 0).map((filters) => ({ filters })) };
}

export function createTransformUtils(unsupported: (name: string) => never) {
  return {
    toDynamoDBFilterExpression: (filter: Obj): string => JSON.stringify(conditionExpression(filter) ?? { expression: '' }),
    toDynamoDBConditionExpression: (condition: Obj): string => JSON.stringify(conditionExpression(condition) ?? { expression: '' }),
    toSubscriptionFilter,
    toElasticsearchQueryDSL: (..._args: unknown[]): string => unsupported('util.transform.toElasticsearchQueryDSL'),
  };
}
