/** The DynamoDB client and table, from the environment only (locally `AWS_ENDPOINT_URL_DYNAMODB`). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

let cached: { endpoint: string | undefined; client: DynamoDBClient } | undefined;

export function dynamodb(): DynamoDBClient {
  // Rebuilt when the endpoint changes: local test runs start several runtimes in one process.
  const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (cached?.endpoint !== endpoint) cached = { endpoint, client: new DynamoDBClient({}) };
  return cached!.client;
}

export function filesTable(): string {
  const t = process.env.FILES_TABLE;
  if (!t) throw new Error('FILES_TABLE is not set');
  return t;
}
