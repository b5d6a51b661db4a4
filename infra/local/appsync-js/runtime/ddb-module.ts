/**
 * The `@aws-appsync/utils/dynamodb` built-in module: helpers that build AppSync DynamoDB
 * data-source requests (GetItem, PutItem, UpdateItem, Query, ...) from plain objects.
 */
import { ExpressionBuilder, conditionExpression, type Expression } from './expressions.ts';
import { markSet, toMapValues } from './util-dynamodb.ts';

// Helper inputs are resolver-supplied objects, typed by @aws-appsync/utils at the call site.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** Update operations are tagged objects, recognized by `_type`. */
export const operations = {
  add: (value: unknown) => ({ _type: 'add', value }),
  remove: () => ({ _type: 'remove' }),
  replace: (value: unknown) => ({ _type: 'replace', value }),
  increment: (by = 1) => ({ _type: 'increment', by }),
  decrement: (by = 1) => ({ _type: 'decrement', by }),
  append: (items: unknown[]) => ({ _type: 'append', items }),
  prepend: (items: unknown[]) => ({ _type: 'prepend', items }),
  updateListItem: (value: unknown, index: number) => ({ _type: 'updateListItem', value, index }),
};

const isOp = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Obj)._type === 'string';
const isPlain = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function condition(c: Obj | null | undefined): Expression | undefined {
  return conditionExpression(c) ?? undefined;
}

function projection(fields: string[] | undefined): { expression: string; expressionNames: Record<string, string> } | undefined {
  if (!fields || fields.length === 0) return undefined;
  const b = new ExpressionBuilder();
  const expression = fields.map((f) => b.path(f)).join(', ');
  return { expression, expressionNames: b.names };
}

/** Drops undefined/null members so requests carry only what was given. */
function compact<T extends Obj>(o: T): T {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null) out[k] = v;
  return out as T;
}

function updateExpression(update: Obj): Expression {
  const b = new ExpressionBuilder();
  const set: string[] = [];
  const add: string[] = [];
  const remove: string[] = [];
  const walk = (obj: Obj, prefix: string[]): void => {
    for (const [field, v] of Object.entries(obj)) {
      if (v === undefined) continue;
      const segs = [...prefix, field];
      const name = b.path(segs.join('.'));
      const hint = segs.join('_');
      if (isOp(v)) {
        switch (v._type) {
          case 'add':
            add.push(`${name} ${b.value(hint, v.value)}`);
            break;
          case 'remove':
            remove.push(name);
            break;
          case 'replace':
            set.push(`${name} = ${b.value(hint, v.value)}`);
            break;
          case 'increment':
            add.push(`${name} ${b.value(hint, v.by)}`);
            break;
          case 'decrement':
            add.push(`${name} ${b.value(hint, -v.by)}`);
            break;
          case 'append':
            set.push(`${name} = list_append(if_not_exists(${name}, ${b.value(`${hint}_empty`, [])}), ${b.value(hint, v.items)})`);
            break;
          case 'prepend':
            set.push(`${name} = list_append(${b.value(hint, v.items)}, if_not_exists(${name}, ${b.value(`${hint}_empty`, [])}))`);
            break;
          case 'updateListItem':
            set.push(`${name}[${Number(v.index)}] = ${b.value(`${hint}_${Number(v.index)}`, v.value)}`);
            break;
          default:
            break;
        }
      } else if (Array.isArray(v) && v.length > 0 && v.every((x) => isOp(x) && x._type === 'updateListItem')) {
        for (const x of v as Obj[]) set.push(`${name}[${Number(x.index)}] = ${b.value(`${hint}_${Number(x.index)}`, x.value)}`);
      } else if (isPlain(v)) {
        walk(v, segs);
      } else {
        set.push(`${name} = ${b.value(hint, v)}`);
      }
    }
  };
  walk(update, []);
  const clauses: string[] = [];
  if (set.length) clauses.push(`SET ${set.join(', ')}`);
  if (add.length) clauses.push(`ADD ${add.join(', ')}`);
  if (remove.length) clauses.push(`REMOVE ${remove.join(', ')}`);
  return b.build(clauses.join(' '));
}

function keyCondition(q: Obj): Expression {
  const b = new ExpressionBuilder();
  const parts: string[] = [];
  for (const [field, ops] of Object.entries(q ?? {})) {
    const name = b.path(field);
    for (const [op, v] of Object.entries(ops as Obj)) {
      if (v === undefined) continue;
      const cmp: Record<string, string> = { eq: '=', lt: '<', le: '<=', gt: '>', ge: '>=' };
      if (cmp[op]) parts.push(`${name} ${cmp[op]} ${b.value(`${field}_${op}`, v)}`);
      else if (op === 'beginsWith') parts.push(`begins_with(${name}, ${b.value(`${field}_${op}`, v)})`);
      else if (op === 'between') parts.push(`${name} BETWEEN ${b.value(`${field}_between_0`, (v as unknown[])[0])} AND ${b.value(`${field}_between_1`, (v as unknown[])[1])}`);
    }
  }
  return b.build(parts.join(' AND '));
}

export const get = (p: Obj) => compact({ operation: 'GetItem', key: toMapValues(p.key), consistentRead: p.consistentRead, projection: projection(p.projection) });

export const put = (p: Obj) =>
  compact({
    operation: 'PutItem',
    key: toMapValues(p.key),
    attributeValues: toMapValues(p.item),
    condition: condition(p.condition),
    customPartitionKey: p.customPartitionKey,
    populateIndexFields: p.populateIndexFields,
    _version: p._version,
  });

export const update = (p: Obj) =>
  compact({
    operation: 'UpdateItem',
    key: toMapValues(p.key),
    update: updateExpression(p.update ?? {}),
    condition: condition(p.condition),
    customPartitionKey: p.customPartitionKey,
    populateIndexFields: p.populateIndexFields,
    _version: p._version,
  });

export const remove = (p: Obj) =>
  compact({
    operation: 'DeleteItem',
    key: toMapValues(p.key),
    condition: condition(p.condition),
    customPartitionKey: p.customPartitionKey,
    populateIndexFields: p.populateIndexFields,
    _version: p._version,
  });

const readOptions = (p: Obj) => ({
  index: p.index,
  nextToken: p.nextToken,
  limit: p.limit,
  consistentRead: p.consistentRead,
  filter: condition(p.filter),
  projection: projection(p.projection),
  select: p.select,
});

export const query = (p: Obj) => compact({ operation: 'Query', query: keyCondition(p.query), scanIndexForward: p.scanIndexForward, ...readOptions(p) });

export const scan = (p: Obj) => compact({ operation: 'Scan', totalSegments: p.totalSegments, segment: p.segment, ...readOptions(p) });

export const sync = (p: Obj) =>
  compact({ operation: 'Sync', basePartitionKey: p.basePartitionKey, deltaIndexName: p.deltaIndexName, limit: p.limit, nextToken: p.nextToken, lastSync: p.lastSync, filter: condition(p.filter) });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const perTable = (tables: Obj, f: (v: any) => unknown): Obj => Object.fromEntries(Object.entries(tables ?? {}).map(([t, v]) => [t, f(v)]));

export const batchGet = (p: Obj) => ({
  operation: 'BatchGetItem',
  tables: perTable(p.tables, (t: Obj) => compact({ keys: (t.keys ?? []).map(toMapValues), consistentRead: t.consistentRead, projection: projection(t.projection) })),
});

export const batchPut = (p: Obj) => ({ operation: 'BatchPutItem', tables: perTable(p.tables, (items: Obj[]) => items.map(toMapValues)) });

export const batchDelete = (p: Obj) => ({ operation: 'BatchDeleteItem', tables: perTable(p.tables, (keys: Obj[]) => keys.map(toMapValues)) });

export const transactGet = (p: Obj) => ({
  operation: 'TransactGetItems',
  transactItems: (p.items ?? []).map((i: Obj) => compact({ table: i.table, key: toMapValues(i.key), projection: projection(i.projection) })),
});

function transactCondition(c: Obj | undefined): Obj | undefined {
  const e = condition(c);
  return e ? { ...e, returnValuesOnConditionCheckFailure: true } : undefined;
}

export const transactWrite = (p: Obj) => ({
  operation: 'TransactWriteItems',
  transactItems: (p.items ?? []).map((i: Obj) => {
    if (i.putItem)
      return compact({
        table: i.putItem.table,
        operation: 'PutItem',
        key: toMapValues(i.putItem.key),
        attributeValues: toMapValues(i.putItem.item),
        condition: transactCondition(i.putItem.condition),
      });
    if (i.updateItem)
      return compact({
        table: i.updateItem.table,
        operation: 'UpdateItem',
        key: toMapValues(i.updateItem.key),
        update: updateExpression(i.updateItem.update ?? {}),
        condition: transactCondition(i.updateItem.condition),
      });
    if (i.deleteItem) return compact({ table: i.deleteItem.table, operation: 'DeleteItem', key: toMapValues(i.deleteItem.key), condition: transactCondition(i.deleteItem.condition) });
    if (i.conditionCheck)
      return compact({ table: i.conditionCheck.table, operation: 'ConditionCheck', key: toMapValues(i.conditionCheck.key), condition: transactCondition(i.conditionCheck.condition) });
    return {};
  }),
});

export const toStringSet = (l: string[]) => markSet({ SS: l.map(String) });
export const toNumberSet = (l: number[]) => markSet({ NS: l.map(String) });
export const toBinarySet = (l: string[]) => markSet({ BS: l.map(String) });
