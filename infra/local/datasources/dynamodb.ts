import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DataSource, DataSourceResponse } from '../appsync-js/types.ts';
import { batchDeleteItem, batchGetItem, batchPutItem } from './dynamodb-batch.ts';
import { dynamoDbError } from './dynamodb-errors.ts';
import { deleteItem, getItem, putItem, updateItem, type OpContext } from './dynamodb-items.ts';
import { query, scan } from './dynamodb-query.ts';
import { transactGetItems, transactWriteItems } from './dynamodb-transact.ts';
import { isObject, MalformedRequest } from './request-shape.ts';

/**
 * The DYNAMODB data source: AppSync's JS request objects translated to DynamoDB calls, results
 * shaped as AppSync hands them to `ctx.result`, failures as `ctx.error`.
 */
const OPERATIONS: Record<string, (req: Record<string, unknown>, c: OpContext) => Promise<DataSourceResponse>> = {
  GetItem: getItem,
  PutItem: putItem,
  UpdateItem: updateItem,
  DeleteItem: deleteItem,
  Query: query,
  Scan: scan,
  BatchGetItem: batchGetItem,
  BatchPutItem: batchPutItem,
  BatchDeleteItem: batchDeleteItem,
  TransactGetItems: transactGetItems,
  TransactWriteItems: transactWriteItems,
};

export interface DynamoDbDataSourceOptions {
  name: string;
  client: DynamoDBClient;
  /** The real (local) name of the data source's table. */
  table: string;
  /** Maps a table named in a batch or transaction request to its real name. */
  resolveTable(name: string): string;
}

export function createDynamoDbDataSource(opts: DynamoDbDataSourceOptions): DataSource {
  const ctx: OpContext = { client: opts.client, table: opts.table, resolveTable: opts.resolveTable };
  return {
    name: opts.name,
    kind: 'DYNAMODB',
    async invoke(request) {
      try {
        if (!isObject(request)) throw new MalformedRequest('The request must be a JSON object.');
        const op = request.operation;
        if (op === undefined || op === null) throw new MalformedRequest("Value for field '$[operation]' not found.");
        const run = typeof op === 'string' ? OPERATIONS[op] : undefined;
        if (!run) {
          throw new MalformedRequest(`Unsupported operation '${String(op)}'.${op === 'Sync' ? ' Sync needs a versioned data source, which the local runtime does not emulate.' : ''}`);
        }
        return await run(request, ctx);
      } catch (e) {
        return { error: dynamoDbError(e) };
      }
    },
  };
}
