/**
 * Builds DynamoDB expressions with `#name` / `:value` placeholders, as util.transform and the
 * @aws-appsync/utils/dynamodb helpers emit them. One builder per expression keeps names unique.
 */
import { toDynamoDB, type AttributeValue } from './util-dynamodb.ts';

export interface Expression {
  expression: string;
  expressionNames?: Record<string, string>;
  expressionValues?: Record<string, AttributeValue>;
}

const ATTRIBUTE_TYPES: Record<string, string> = {
  _null: 'NULL',
  string: 'S',
  stringSet: 'SS',
  number: 'N',
  numberSet: 'NS',
  binary: 'B',
  binarySet: 'BS',
  boolean: 'BOOL',
  list: 'L',
  map: 'M',
};

export class ExpressionBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, AttributeValue> = {};

  /** `a.b` -> `#a.#b`; each segment gets a placeholder. */
  path(field: string): string {
    return String(field)
      .split('.')
      .map((seg) => {
        const ph = `#${seg.replace(/[^A-Za-z0-9_]/g, '_')}`;
        this.names[ph] = seg;
        return ph;
      })
      .join('.');
  }

  value(hint: string, v: unknown): string {
    const base = `:${hint.replace(/[^A-Za-z0-9_]/g, '_')}`;
    let ph = base;
    for (let i = 1; Object.hasOwn(this.values, ph); i += 1) ph = `${base}_${i}`;
    this.values[ph] = toDynamoDB(v) ?? { NULL: null };
    return ph;
  }

  build(expression: string): Expression {
    const out: Expression = { expression };
    if (Object.keys(this.names).length > 0) out.expressionNames = this.names;
    if (Object.keys(this.values).length > 0) out.expressionValues = this.values;
    return out;
  }

  /** A filter/condition object: fields AND-ed, with nested and/or/not. */
  condition(obj: Record<string, unknown> | null | undefined): string {
    if (!obj) return '';
    const parts: string[] = [];
    for (const [key, spec] of Object.entries(obj)) {
      if (spec === undefined || spec === null) continue;
      if (key === 'and' || key === 'or') {
        const list = (Array.isArray(spec) ? spec : [spec]) as Array<Record<string, unknown>>;
        const sub = list.map((s) => this.condition(s)).filter((s) => s !== '');
        if (sub.length > 0) parts.push(`(${sub.join(key === 'and' ? ' AND ' : ' OR ')})`);
      } else if (key === 'not') {
        const sub = this.condition(spec as Record<string, unknown>);
        if (sub) parts.push(`(NOT ${sub})`);
      } else {
        parts.push(...this.fieldConditions(key, spec as Record<string, unknown>));
      }
    }
    if (parts.length === 0) return '';
    return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
  }

  private fieldConditions(field: string, ops: Record<string, unknown>): string[] {
    const out: string[] = [];
    const name = this.path(field);
    const hint = (op: string): string => `${field}_${op}`;
    for (const [op, v] of Object.entries(ops)) {
      if (v === undefined || v === null) continue;
      switch (op) {
        case 'eq':
          out.push(`(${name} = ${this.value(hint(op), v)})`);
          break;
        case 'ne':
          out.push(`(${name} <> ${this.value(hint(op), v)})`);
          break;
        case 'lt':
          out.push(`(${name} < ${this.value(hint(op), v)})`);
          break;
        case 'le':
          out.push(`(${name} <= ${this.value(hint(op), v)})`);
          break;
        case 'gt':
          out.push(`(${name} > ${this.value(hint(op), v)})`);
          break;
        case 'ge':
          out.push(`(${name} >= ${this.value(hint(op), v)})`);
          break;
        case 'between': {
          const [a, b] = v as [unknown, unknown];
          out.push(`(${name} BETWEEN ${this.value(`${hint(op)}_0`, a)} AND ${this.value(`${hint(op)}_1`, b)})`);
          break;
        }
        case 'in': {
          const list = (v as unknown[]).map((x, i) => this.value(`${hint(op)}_${i}`, x));
          out.push(`(${name} IN (${list.join(', ')}))`);
          break;
        }
        case 'beginsWith':
          out.push(`(begins_with(${name}, ${this.value(hint(op), v)}))`);
          break;
        case 'contains':
          out.push(`(contains(${name}, ${this.value(hint(op), v)}))`);
          break;
        case 'notContains':
          out.push(`(NOT contains(${name}, ${this.value(hint(op), v)}))`);
          break;
        case 'attributeExists':
          out.push(v ? `(attribute_exists(${name}))` : `(attribute_not_exists(${name}))`);
          break;
        case 'attributeType':
          out.push(`(attribute_type(${name}, ${this.value(hint(op), ATTRIBUTE_TYPES[String(v)] ?? String(v))}))`);
          break;
        case 'size': {
          // { size: { gt: 3 } } compares the attribute's size.
          for (const [sop, sv] of Object.entries(v as Record<string, unknown>)) {
            const cmp = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' }[sop];
            if (cmp) out.push(`(size(${name}) ${cmp} ${this.value(`${field}_size_${sop}`, sv)})`);
          }
          break;
        }
        default:
          break;
      }
    }
    return out;
  }
}

/** Parses a `{...}` condition object into an Expression, or null when it selects nothing. */
export function conditionExpression(obj: Record<string, unknown> | null | undefined): Expression | null {
  const b = new ExpressionBuilder();
  const e = b.condition(obj);
  return e ? b.build(e) : null;
}
