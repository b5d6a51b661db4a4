import { TransactGetItemsCommand, TransactionCanceledException, TransactWriteItemsCommand, type CancellationReason, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { DataSourceResponse } from '../appsync-js/types.ts';
import { toPlainMap, toSdkMap } from './attribute-values.ts';
import { dynamoDbError } from './dynamodb-errors.ts';
import type { OpContext } from './dynamodb-items.ts';
import { Expressions } from './expressions.ts';
import { arrayField, field, isObject, MalformedRequest, stringField } from './request-shape.ts';

/**
 * TransactGetItems / TransactWriteItems. Success: `{ items | keys, cancellationReasons: null }`.
 * A cancelled transaction sets `ctx.error` (DynamoDB:TransactionCanceledException) and leaves
 * `ctx.result.cancellationReasons`, one per request item in order: `{ type, message }` plus the
 * current `item` when a condition failed and returnValuesOnConditionCheckFailure was not false.
 */
export async function transactGetItems(req: Record<string, unknown>, c: OpContext): Promise<DataSourceResponse> {
  const items = arrayField(req, 'transactItems').map((entry, i) => {
    const path = `[transactItems][${i}]`;
    if (!isObject(entry)) throw new MalformedRequest(`Expected JSON object for field '$${path}'.`);
    const ex = new Expressions();
    const projection = ex.add(entry.projection, `${path}[projection]`, true);
    return {
      Get: {
        TableName: c.resolveTable(stringField(entry, 'table', path)),
        Key: toSdkMap(field(entry, 'key', path), `transactItems[${i}].key`),
        ProjectionExpression: projection,
        ...ex.input(),
      },
    };
  });
  try {
    const out = await c.client.send(new TransactGetItemsCommand({ TransactItems: items }));
    return { result: { items: (out.Responses ?? []).map((r) => (r.Item ? toPlainMap(r.Item) : null)), cancellationReasons: null } };
  } catch (e) {
    if (!(e instanceof TransactionCanceledException)) throw e;
    return { error: dynamoDbError(e), result: { items: null, cancellationReasons: reasons(e.CancellationReasons) } };
  }
}

export async function transactWriteItems(req: Record<string, unknown>, c: OpContext): Promise<DataSourceResponse> {
  const keys: Array<Record<string, unknown>> = [];
  const items = arrayField(req, 'transactItems').map((entry, i): TransactWriteItem => {
    const path = `[transactItems][${i}]`;
    if (!isObject(entry)) throw new MalformedRequest(`Expected JSON object for field '$${path}'.`);
    const TableName = c.resolveTable(stringField(entry, 'table', path));
    const Key = toSdkMap(field(entry, 'key', path), `transactItems[${i}].key`);
    keys.push(toPlainMap(Key));
    const ex = new Expressions();
    const op = stringField(entry, 'operation', path);
    const conditionBlock = entry.condition;
    const returnOld = isObject(conditionBlock) && conditionBlock.returnValuesOnConditionCheckFailure === false ? undefined : ('ALL_OLD' as const);
    switch (op) {
      case 'PutItem': {
        const attributes = entry.attributeValues === undefined ? {} : toSdkMap(entry.attributeValues, `transactItems[${i}].attributeValues`);
        const ConditionExpression = ex.add(conditionBlock, `${path}[condition]`, true);
        return { Put: { TableName, Item: { ...attributes, ...Key }, ConditionExpression, ReturnValuesOnConditionCheckFailure: ConditionExpression ? returnOld : undefined, ...ex.input() } };
      }
      case 'UpdateItem': {
        const UpdateExpression = ex.add(entry.update, `${path}[update]`);
        const ConditionExpression = ex.add(conditionBlock, `${path}[condition]`, true);
        return { Update: { TableName, Key, UpdateExpression, ConditionExpression, ReturnValuesOnConditionCheckFailure: ConditionExpression ? returnOld : undefined, ...ex.input() } };
      }
      case 'DeleteItem': {
        const ConditionExpression = ex.add(conditionBlock, `${path}[condition]`, true);
        return { Delete: { TableName, Key, ConditionExpression, ReturnValuesOnConditionCheckFailure: ConditionExpression ? returnOld : undefined, ...ex.input() } };
      }
      case 'ConditionCheck': {
        const ConditionExpression = ex.add(conditionBlock, `${path}[condition]`);
        return { ConditionCheck: { TableName, Key, ConditionExpression, ReturnValuesOnConditionCheckFailure: returnOld, ...ex.input() } };
      }
      default:
        throw new MalformedRequest(`Unsupported operation '${op}' at '$${path}[operation]': expected PutItem, UpdateItem, DeleteItem or ConditionCheck.`);
    }
  });
  try {
    await c.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
    return { result: { keys, cancellationReasons: null } };
  } catch (e) {
    if (!(e instanceof TransactionCanceledException)) throw e;
    return { error: dynamoDbError(e), result: { keys: null, cancellationReasons: reasons(e.CancellationReasons) } };
  }
}

function reasons(list: CancellationReason[] | undefined) {
  return (list ?? []).map((r) => ({
    type: r.Code ?? 'None',
    message: r.Message ?? r.Code ?? 'None',
    ...(r.Item ? { item: toPlainMap(r.Item) } : {}),
  }));
}
