import { BatchGetItemCommand, BatchWriteItemCommand, type KeysAndAttributes, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { DataSourceResponse } from '../appsync-js/types.ts';
import { sameValue, toPlainMap, toSdkMap, type Item } from './attribute-values.ts';
import type { OpContext } from './dynamodb-items.ts';
import { Expressions } from './expressions.ts';
import { isObject, MalformedRequest, objectField, optionalBoolean } from './request-shape.ts';

/**
 * BatchGetItem / BatchPutItem / BatchDeleteItem. The request names its tables; results are keyed
 * by those same names: `data` (for gets, one entry per requested key in order, null when absent)
 * and `unprocessedKeys` / `unprocessedItems`.
 */
export async function batchGetItem(req: Record<string, unknown>, c: OpContext): Promise<DataSourceResponse> {
  const tables = objectField(req, 'tables');
  const requested = new Map<string, { real: string; keys: Item[] }>();
  const input: Record<string, KeysAndAttributes> = {};
  for (const [name, spec] of Object.entries(tables)) {
    const path = `[tables][${name}]`;
    if (!isObject(spec)) throw new MalformedRequest(`Expected JSON object for field '$${path}'.`);
    const keys = list(spec.keys, `${path}[keys]`).map((k, i) => toSdkMap(k, `tables.${name}.keys[${i}]`));
    const real = c.resolveTable(name);
    const ex = new Expressions();
    const projection = ex.add(spec.projection, `${path}[projection]`, true);
    requested.set(name, { real, keys });
    input[real] = { Keys: keys, ConsistentRead: optionalBoolean(spec, 'consistentRead', path), ProjectionExpression: projection, ...ex.input() };
  }
  const out = await c.client.send(new BatchGetItemCommand({ RequestItems: input }));
  const data: Record<string, Array<Record<string, unknown> | null>> = {};
  const unprocessedKeys: Record<string, Array<Record<string, unknown>>> = {};
  for (const [name, { real, keys }] of requested) {
    const found = out.Responses?.[real] ?? [];
    data[name] = keys.map((key) => {
      const item = found.find((it) => Object.entries(key).every(([k, v]) => sameValue(it[k], v)));
      return item ? toPlainMap(item) : null;
    });
    unprocessedKeys[name] = (out.UnprocessedKeys?.[real]?.Keys ?? []).map(toPlainMap);
  }
  return { result: { data, unprocessedKeys } };
}

export async function batchPutItem(req: Record<string, unknown>, c: OpContext): Promise<DataSourceResponse> {
  const { names, out, requests } = await batchWrite(req, c, (item, path) => ({ PutRequest: { Item: toSdkMap(item, path) } }));
  const data: Record<string, unknown[]> = {};
  const unprocessedItems: Record<string, unknown[]> = {};
  for (const [name, real] of names) {
    const left = (out[real] ?? []).map((w) => w.PutRequest?.Item).filter((i): i is Item => !!i);
    data[name] = (requests.get(name) ?? [])
      .map((w) => w.PutRequest?.Item)
      .filter((i): i is Item => !!i && !left.includes(i))
      .map(toPlainMap);
    unprocessedItems[name] = left.map(toPlainMap);
  }
  return { result: { data, unprocessedItems } };
}

export async function batchDeleteItem(req: Record<string, unknown>, c: OpContext): Promise<DataSourceResponse> {
  const { names, out, requests } = await batchWrite(req, c, (key, path) => ({ DeleteRequest: { Key: toSdkMap(key, path) } }));
  const data: Record<string, unknown[]> = {};
  const unprocessedKeys: Record<string, unknown[]> = {};
  for (const [name, real] of names) {
    const left = (out[real] ?? []).map((w) => w.DeleteRequest?.Key).filter((k): k is Item => !!k);
    data[name] = (requests.get(name) ?? [])
      .map((w) => w.DeleteRequest?.Key)
      .filter((k): k is Item => !!k && !left.includes(k))
      .map(toPlainMap);
    unprocessedKeys[name] = left.map(toPlainMap);
  }
  return { result: { data, unprocessedKeys } };
}

async function batchWrite(
  req: Record<string, unknown>,
  c: OpContext,
  toRequest: (entry: unknown, path: string) => WriteRequest,
): Promise<{ names: Map<string, string>; out: Record<string, WriteRequest[]>; requests: Map<string, WriteRequest[]> }> {
  const tables = objectField(req, 'tables');
  const names = new Map<string, string>();
  const requests = new Map<string, WriteRequest[]>();
  const input: Record<string, WriteRequest[]> = {};
  for (const [name, entries] of Object.entries(tables)) {
    const real = c.resolveTable(name);
    const writes = list(entries, `[tables][${name}]`).map((e, i) => toRequest(e, `tables.${name}[${i}]`));
    names.set(name, real);
    requests.set(name, writes);
    input[real] = writes;
  }
  const out = await c.client.send(new BatchWriteItemCommand({ RequestItems: input }));
  // The SDK returns fresh objects for unprocessed entries: map them back to ours by value.
  const unprocessed: Record<string, WriteRequest[]> = {};
  for (const [name, real] of names) {
    const left = out.UnprocessedItems?.[real] ?? [];
    unprocessed[real] = (requests.get(name) ?? []).filter((w) =>
      left.some((l) => JSON.stringify(l.PutRequest?.Item ?? l.DeleteRequest?.Key) === JSON.stringify(w.PutRequest?.Item ?? w.DeleteRequest?.Key)),
    );
  }
  return { names, out: unprocessed, requests };
}

function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new MalformedRequest(`Expected JSON array for field '$${path}'.`);
  return v;
}
