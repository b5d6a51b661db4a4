import { GraphQLError, type SourceLocation } from 'graphql';
import type { ResolverError } from '../appsync-js/types.ts';

/** One entry of AppSync's `errors[]`. */
export interface AppSyncErrorEntry {
  path: Array<string | number> | null;
  data?: unknown;
  errorType?: string;
  errorInfo?: unknown;
  locations: Array<{ line: number; column: number; sourceName: null }> | null;
  message: string;
}

/** Thrown inside field resolution to fail the field with AppSync's error fields. */
export class FieldFailure extends Error {
  constructor(readonly entry: ResolverError) {
    super(entry.message);
  }
}

const locations = (locs: readonly SourceLocation[] | undefined) => (locs?.length ? locs.map((l) => ({ line: l.line, column: l.column, sourceName: null as null })) : null);

/** Turns a graphql-js execution error into AppSync's shape, keeping resolver-supplied fields. */
export function formatExecutionError(err: GraphQLError): AppSyncErrorEntry {
  const original = err.originalError;
  if (original instanceof FieldFailure) {
    const { message, errorType, data, errorInfo } = original.entry;
    return { path: err.path ? [...err.path] : null, data: data ?? null, errorType, errorInfo: errorInfo ?? null, locations: locations(err.locations), message };
  }
  if (original && !(original instanceof GraphQLError)) {
    // An exception in the runtime itself, not in resolver code: report it, never crash.
    return { path: err.path ? [...err.path] : null, data: null, errorType: 'InternalFailure', errorInfo: null, locations: locations(err.locations), message: original.message };
  }
  return {
    path: err.path ? [...err.path] : null,
    data: null,
    errorType: /non-nullable/.test(err.message) ? 'NonNullViolation' : 'ExecutionError',
    errorInfo: null,
    locations: locations(err.locations),
    message: err.message,
  };
}

/** graphql-js validation rules → the validation types AppSync (graphql-java) reports. */
const VALIDATION_TYPES: Array<[RegExp, string, (m: RegExpExecArray) => string]> = [
  [/^Cannot query field "([^"]+)" on type "([^"]+)"/, 'FieldUndefined', (m) => `Field '${m[1]}' in type '${m[2]}' is undefined @ '${m[1]}'`],
  [/^Unknown argument "([^"]+)" on field "([^"]+)"/, 'UnknownArgument', (m) => `Unknown field argument ${m[1]} @ '${m[2]!.split('.').pop()}'`],
  [/^Field "([^"]+)" argument "([^"]+)" of type "([^"]+)" is required/, 'MissingFieldArgument', (m) => `Missing field argument ${m[2]} @ '${m[1]!.split('.').pop()}'`],
  [/^Variable "\$([^"]+)" of required type "([^"]+)" was not provided/, 'MissingVariable', (m) => `Variable '${m[1]}' has coerced Null value for NonNull type '${m[2]}'`],
  [/^Variable "\$([^"]+)" got invalid value (.*)$/s, 'WrongType', (m) => `Variable '${m[1]}' has an invalid value: ${m[2]}`],
  [/^Unknown type "([^"]+)"/, 'UnknownType', (m) => `Unknown type ${m[1]}`],
  [/^Field "([^"]+)" of type "([^"]+)" must have a selection of subfields/, 'SubSelectionRequired', (m) => `Sub selection required for type ${m[2]} of field ${m[1]}`],
  [/^Field "([^"]+)" must not have a selection/, 'SubSelectionNotAllowed', (m) => `Sub selection not allowed on leaf type of field ${m[1]}`],
];

/** A request the schema rejects before execution: AppSync answers 200, data null, this error. */
export function formatValidationError(err: GraphQLError): AppSyncErrorEntry {
  let message = `Validation error: ${err.message}`;
  for (const [re, kind, text] of VALIDATION_TYPES) {
    const m = re.exec(err.message);
    if (m) {
      message = `Validation error of type ${kind}: ${text(m)}`;
      break;
    }
  }
  return { path: null, locations: locations(err.locations), message, errorType: 'ValidationError' };
}

export function formatSyntaxError(err: GraphQLError): AppSyncErrorEntry {
  const loc = err.locations?.[0];
  const where = loc ? ` at line ${loc.line} column ${loc.column}` : '';
  return { path: null, locations: locations(err.locations), message: `Invalid Syntax : ${err.message.replace(/^Syntax Error: /, '')}${where}`, errorType: 'InvalidSyntax' };
}

/** Request-level errors (no GraphQL execution happened), with their HTTP status. */
export interface RequestFailure {
  status: number;
  errorType: string;
  message: string;
}

export const requestFailure = (status: number, errorType: string, message: string): RequestFailure => ({ status, errorType, message });
