import { getOperationAST, GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { formatSyntaxError, formatValidationError, type AppSyncErrorEntry } from './errors.ts';

export interface PreparedRequest {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown>;
  operationName?: string;
}

/** Parsed and validated documents by query text: clients send the same few documents again and again. */
const CACHE_LIMIT = 500;
const cache = new WeakMap<GraphQLSchema, Map<string, { document: DocumentNode } | { errors: AppSyncErrorEntry[] }>>();

function parseAndValidate(schema: GraphQLSchema, query: string): { document: DocumentNode } | { errors: AppSyncErrorEntry[] } {
  let bySchema = cache.get(schema);
  if (!bySchema) cache.set(schema, (bySchema = new Map()));
  const hit = bySchema.get(query);
  if (hit) return hit;
  let result: { document: DocumentNode } | { errors: AppSyncErrorEntry[] };
  try {
    const document = parse(query, { maxTokens: 50_000 });
    const validationErrors = validate(schema, document);
    result = validationErrors.length ? { errors: validationErrors.map(formatValidationError) } : { document };
  } catch (e) {
    result = { errors: [formatSyntaxError(e as GraphQLError)] };
  }
  if (bySchema.size >= CACHE_LIMIT) bySchema.delete(bySchema.keys().next().value!);
  bySchema.set(query, result);
  return result;
}

/**
 * Parses and validates one GraphQL request against the schema, the way AppSync does before any
 * resolver runs. Errors come back as AppSync error entries (status 200, data null).
 */
export function prepareRequest(
  schema: GraphQLSchema,
  body: { query: string; variables?: unknown; operationName?: unknown },
): { ok: true; request: PreparedRequest } | { ok: false; errors: AppSyncErrorEntry[] } {
  if (body.variables != null && (typeof body.variables !== 'object' || Array.isArray(body.variables))) {
    return { ok: false, errors: [{ path: null, locations: null, message: 'Variables must be a JSON object.', errorType: 'ValidationError' }] };
  }
  if (body.operationName != null && typeof body.operationName !== 'string') {
    return { ok: false, errors: [{ path: null, locations: null, message: 'operationName must be a string.', errorType: 'ValidationError' }] };
  }
  const checked = parseAndValidate(schema, body.query);
  if ('errors' in checked) return { ok: false, errors: checked.errors };
  const { document } = checked;
  const operationName = (body.operationName as string | undefined) ?? undefined;
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    const message = operationName ? `Unknown operation named '${operationName}'.` : 'Must provide operation name if query contains multiple operations.';
    return { ok: false, errors: [{ path: null, locations: null, message, errorType: 'ValidationError' }] };
  }
  return { ok: true, request: { document, operation, variables: (body.variables as Record<string, unknown>) ?? {}, operationName } };
}
