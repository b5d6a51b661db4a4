import { QueryCommand, ScanCommand, type Select } from '@aws-sdk/client-dynamodb';
import type { DataSourceResponse } from '../appsync-js/types.ts';
import { toPlainMap, toSdkMap, toTyped, type Item } from './attribute-values.ts';
import type { OpContext } from './dynamodb-items.ts';
import { Expressions } from './expressions.ts';
import { isObject, MalformedRequest, optionalBoolean, optionalInteger, optionalString } from './request-shape.ts';

/**
 * Query and Scan. Results are `{ items, nextToken, scannedCount }` as AppSync gives them; the
 * token is opaque to the resolver (the last evaluated key, bound to its table and index so a
 * token from another query is refused rather than silently misused).
 */
export async function query(req: Record<string, unknown>, c: OpContext): Promise<DataSourceResponse> {
  const ex = new Expressions();
  const index = optionalString(req, 'index');
  const out = await c.client.send(
    new QueryCommand({
      TableName: c.table,
      IndexName: index,
      KeyConditionExpression: ex.add(req.query, '[query]'),
      FilterExpression: ex.add(req.filter, '[filter]', true),
      ProjectionExpression: ex.add(req.projection, '[projection]', true),
      Limit: optionalInteger(req, 'limit', '', 1),
      ScanIndexForward: optionalBoolean(req, 'scanIndexForward'),
      ConsistentRead: optionalBoolean(req, 'consistentRead'),
      Select: select(req),
      ExclusiveStartKey: decodeToken(req, c.table, index),
      ...ex.input(),
    }),
  );
  return { result: page(out.Items, out.LastEvaluatedKey, out.ScannedCount, c.table, index) };
}

export async function scan(req: Record<string, unknown>, c: OpContext): Promise<DataSourceResponse> {
  const ex = new Expressions();
  const index = optionalString(req, 'index');
  const out = await c.client.send(
    new ScanCommand({
      TableName: c.table,
      IndexName: index,
      FilterExpression: ex.add(req.filter, '[filter]', true),
      ProjectionExpression: ex.add(req.projection, '[projection]', true),
      Limit: optionalInteger(req, 'limit', '', 1),
      ConsistentRead: optionalBoolean(req, 'consistentRead'),
      Select: select(req),
      Segment: optionalInteger(req, 'segment'),
      TotalSegments: optionalInteger(req, 'totalSegments', '', 1),
      ExclusiveStartKey: decodeToken(req, c.table, index),
      ...ex.input(),
    }),
  );
  return { result: page(out.Items, out.LastEvaluatedKey, out.ScannedCount, c.table, index) };
}

const SELECTS = new Set(['ALL_ATTRIBUTES', 'ALL_PROJECTED_ATTRIBUTES', 'SPECIFIC_ATTRIBUTES', 'COUNT']);

function select(req: Record<string, unknown>): Select | undefined {
  const s = optionalString(req, 'select');
  if (s !== undefined && !SELECTS.has(s)) throw new MalformedRequest(`Invalid value '${s}' for field '$[select]'.`);
  return s as Select | undefined;
}

function page(items: Item[] | undefined, last: Item | undefined, scanned: number | undefined, table: string, index?: string) {
  return {
    items: (items ?? []).map(toPlainMap),
    nextToken: last ? encodeToken({ t: table, i: index ?? null, k: toTyped(last) }) : null,
    scannedCount: scanned ?? 0,
  };
}

interface Token {
  t: string;
  i: string | null;
  k: Record<string, unknown>;
}

function encodeToken(token: Token): string {
  return Buffer.from(JSON.stringify({ v: 1, ...token })).toString('base64url');
}

/** A token that does not decode, or belongs to another table or index, is a client error. */
export class InvalidToken extends Error {
  override readonly name = 'ValidationException';
  readonly $metadata = { httpStatusCode: 400 };
}

function decodeToken(req: Record<string, unknown>, table: string, index: string | undefined): Item | undefined {
  const raw = optionalString(req, 'nextToken');
  if (raw === undefined || raw === '') return undefined;
  let token: unknown;
  try {
    token = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidToken('Invalid pagination token given.');
  }
  if (!isObject(token) || token.v !== 1 || token.t !== table || token.i !== (index ?? null) || !isObject(token.k)) {
    throw new InvalidToken('Invalid pagination token given.');
  }
  return toSdkMap(token.k, 'nextToken');
}
