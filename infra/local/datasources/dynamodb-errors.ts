import type { DataSourceError } from '../appsync-js/types.ts';
import { MalformedRequest } from './request-shape.ts';

/**
 * `ctx.error` for a failed DynamoDB call, as AppSync reports it: the service's modeled exceptions
 * keep their name (`DynamoDB:ConditionalCheckFailedException`), anything else — validation errors
 * included — is `DynamoDB:DynamoDbException`; the message carries the service's own text with
 * the SDK's suffix naming service, status and request id.
 */
const MODELED = new Set([
  'ConditionalCheckFailedException',
  'ResourceNotFoundException',
  'TransactionCanceledException',
  'TransactionConflictException',
  'TransactionInProgressException',
  'IdempotentParameterMismatchException',
  'ProvisionedThroughputExceededException',
  'ItemCollectionSizeLimitExceededException',
  'RequestLimitExceeded',
  'InternalServerErrorException',
]);

export function dynamoDbError(e: unknown): DataSourceError {
  if (e instanceof MalformedRequest) return { message: e.message, type: e.type };
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
  const name = err.name ?? 'Error';
  const status = err.$metadata?.httpStatusCode ?? 400;
  const requestId = err.$metadata?.requestId ?? 'local';
  return {
    message: `${err.message ?? String(e)} (Service: DynamoDb, Status Code: ${status}, Request ID: ${requestId})`,
    type: MODELED.has(name) ? `DynamoDB:${name}` : 'DynamoDB:DynamoDbException',
  };
}
