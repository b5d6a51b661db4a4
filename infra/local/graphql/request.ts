import {
  getOperationAST,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { formatSyntaxError, formatValidationError, type AppSyncErrorEntry } from './errors.ts';

export interface PreparedRequest {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown>;
  operationName?: string;
}

/** Largest GraphQL document accepted; AppSync rejects far smaller queries than this in practice. */
export const MAX_QUERY_CHARS = 1_000_000;

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
  let document: DocumentNode;
  try {
    document = parse(body.query, { maxTokens: 50_000 });
  } catch (e) {
    return { ok: false, errors: [formatSyntaxError(e as GraphQLError)] };
  }
  const validationErrors = validate(schema, document);
  if (validationErrors.length) return { ok: false, errors: validationErrors.map(formatValidationError) };
  const operationName = (body.operationName as string | undefined) ?? undefined;
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    const message = operationName ? `Unknown operation named '${operationName}'.` : 'Must provide operation name if query contains multiple operations.';
    return { ok: false, errors: [{ path: null, locations: null, message, errorType: 'ValidationError' }] };
  }
  return { ok: true, request: { document, operation, variables: (body.variables as Record<string, unknown>) ?? {}, operationName } };
}
