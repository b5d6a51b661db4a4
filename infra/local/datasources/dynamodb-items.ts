import { ConditionalCheckFailedException, DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DataSourceResponse } from '../appsync-js/types.ts';
import { sameItem, toPlainMap, toSdkMap, type Item } from './attribute-values.ts';
import { dynamoDbError } from './dynamodb-errors.ts';
import { Expressions } from './expressions.ts';
import { field, isObject, MalformedRequest, optionalBoolean, optionalObject } from './request-shape.ts';

/** Single-item operations: GetItem, PutItem, UpdateItem, DeleteItem. */
export interface OpContext {
  client: DynamoDBClient;
  /** The data source's table (its real local name). */
  table: string;
  /** A table named in a batch or transaction request → its real local name. */
  resolveTable(name: string): string;
}

export async function getItem(req: Record<string, unknown>, c: OpContext): Promise<DataSourceResponse> {
  const ex = new Expressions();
  const projection = ex.add(req.projection, '[projection]', true);
  const out = await c.client.send(
    new GetItemCommand({
      TableName: c.table,
      Key: toSdkMap(field(req, 'key'), 'key'),
      ConsistentRead: optionalBoolean(req, 'consistentRead'),
      ProjectionExpression: projection,
      ...ex.input(),
    }),
  );
  return { result: out.Item ? toPlainMap(out.Item) : null };
}

export async function putItem(req: Record<string, unknown>, c: OpContext): Promise<DataSourceResponse> {
  const key = toSdkMap(field(req, 'key'), 'key');
  const attributes = req.attributeValues === undefined ? {} : toSdkMap(req.attributeValues, 'attributeValues');
  const item: Item = { ...attributes, ...key };
  const ex = new Expressions();
  const condition = conditionBlock(req);
  const run = () =>
    c.client.send(
      new PutItemCommand({
        TableName: c.table,
        Item: item,
        ConditionExpression: ex.add(condition, '[condition]', true),
        ReturnValuesOnConditionCheckFailure: condition ? 'ALL_OLD' : undefined,
        ...ex.input(),
      }),
    );
  return withConditionHandling(
    run,
    condition,
    (current) => current !== undefined && sameItem(current, item, equalsIgnore(condition)),
    () => toPlainMap(item),
  );
}

export async function updateItem(req: Record<string, unknown>, c: OpContext): Promise<DataSourceResponse> {
  const key = toSdkMap(field(req, 'key'), 'key');
  const ex = new Expressions();
  const update = ex.add(req.update, '[update]');
  const condition = conditionBlock(req);
  const run = () =>
    c.client.send(
      new UpdateItemCommand({
        TableName: c.table,
        Key: key,
        UpdateExpression: update,
        ConditionExpression: ex.add(condition, '[condition]', true),
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: condition ? 'ALL_OLD' : undefined,
        ...ex.input(),
      }),
    );
  // AppSync cannot tell whether an update's desired result already holds, so it always rejects.
  return withConditionHandling(
    run,
    condition,
    () => false,
    (out) => (out.Attributes ? toPlainMap(out.Attributes) : null),
  );
}

export async function deleteItem(req: Record<string, unknown>, c: OpContext): Promise<DataSourceResponse> {
  const key = toSdkMap(field(req, 'key'), 'key');
  const ex = new Expressions();
  const condition = conditionBlock(req);
  const run = () =>
    c.client.send(
      new DeleteItemCommand({
        TableName: c.table,
        Key: key,
        ConditionExpression: ex.add(condition, '[condition]', true),
        ReturnValues: 'ALL_OLD',
        ReturnValuesOnConditionCheckFailure: condition ? 'ALL_OLD' : undefined,
        ...ex.input(),
      }),
    );
  // A delete whose item is already gone has the desired result.
  return withConditionHandling(
    run,
    condition,
    (current) => current === undefined,
    (out) => (out.Attributes ? toPlainMap(out.Attributes) : null),
  );
}

function conditionBlock(req: Record<string, unknown>): Record<string, unknown> | undefined {
  const condition = optionalObject(req, 'condition');
  const handler = condition?.conditionalCheckFailedHandler;
  if (handler !== undefined && handler !== null) {
    if (!isObject(handler) || (handler.strategy !== 'Reject' && handler.strategy !== 'Custom')) {
      throw new MalformedRequest(`Invalid field '$[condition][conditionalCheckFailedHandler][strategy]': expected Reject or Custom.`);
    }
  }
  return condition;
}

function equalsIgnore(condition: Record<string, unknown> | undefined): string[] {
  const v = condition?.equalsIgnore;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    throw new MalformedRequest(`Expected a list of strings for field '$[condition][equalsIgnore]'.`);
  }
  return v as string[];
}

/**
 * AppSync's handling of a failed condition: it reads the current item (we get the same snapshot
 * atomically with ReturnValuesOnConditionCheckFailure) and, if that already is the desired
 * result, reports success with it; otherwise `ctx.error` is ConditionalCheckFailedException and
 * `ctx.result` the current item. A `Custom` strategy (a Lambda by ARN) is treated as `Reject`:
 * there is no ARN to call locally.
 */
async function withConditionHandling<T>(
  run: () => Promise<T>,
  condition: Record<string, unknown> | undefined,
  alreadyDone: (current: Item | undefined) => boolean,
  result: (out: T) => unknown,
): Promise<DataSourceResponse> {
  try {
    return { result: result(await run()) };
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException) || !condition) throw e;
    const current = e.Item;
    if (alreadyDone(current)) return { result: current ? toPlainMap(current) : null };
    return { error: dynamoDbError(e), result: current ? toPlainMap(current) : null };
  }
}
