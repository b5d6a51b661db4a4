import {
  execute,
  getNamedType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Invocation, InvalidationSpec, ResolverExecutor } from '../appsync-js/types.ts';
import type { AuthSuccess } from '../auth/types.ts';
import type { LoadedSchema } from '../../wiring/schema.ts';
import type { SubscriptionEvent } from '../realtime/types.ts';
import { FieldFailure, formatExecutionError, formatValidationError, type AppSyncErrorEntry } from './errors.ts';
import { dataForSelection, selectionSetGraphQL, selectionSetList } from './selection.ts';

export type FieldAuthorizer = (parentType: GraphQLObjectType, field: GraphQLField<unknown, unknown>, auth: AuthSuccess) => boolean;

export interface ExecutionDeps {
  loaded: LoadedSchema;
  resolvers: ResolverExecutor;
  authorizeField: FieldAuthorizer;
  env: Record<string, string>;
  log?: (line: string) => void;
}

export interface RequestContext {
  auth: AuthSuccess;
  headers: Record<string, string>;
  variables: Record<string, unknown>;
  /** Non-fatal errors (util.appendError), reported beside the field's data. */
  extraErrors: AppSyncErrorEntry[];
  invalidations: InvalidationSpec[];
  responseHeaders: Record<string, string>;
}

export interface ExecutionOutcome {
  data: Record<string, unknown> | null;
  errors: AppSyncErrorEntry[];
  /** Subscription events this mutation's results fire (`@aws_subscribe`). */
  events: SubscriptionEvent[];
  invalidations: InvalidationSpec[];
  /** Set by resolvers with util.http.addResponseHeader(s). */
  responseHeaders: Record<string, string>;
}

export const notAuthorized = (field: string, type: string) => ({
  message: `Not Authorized to access ${field} on type ${type}`,
  errorType: 'Unauthorized',
});

function pathOf(path: { prev: unknown; key: string | number } | undefined): Array<string | number> {
  const out: Array<string | number> = [];
  for (let p = path as { prev: unknown; key: string | number } | undefined; p; p = p.prev as typeof p) out.unshift(p.key);
  return out;
}

/** The resolver every field goes through: field auth, then the wired resolver or the default. */
function fieldResolver(deps: ExecutionDeps): GraphQLFieldResolver<unknown, RequestContext> {
  return async (source, args, ctx, info) => {
    const parentType = info.parentType;
    const field = parentType.getFields()[info.fieldName]!;
    if (!deps.authorizeField(parentType, field, ctx.auth)) {
      throw new FieldFailure(notAuthorized(info.fieldName, parentType.name));
    }
    if (!deps.resolvers.has(parentType.name, info.fieldName)) {
      if (source && typeof source === 'object') return (source as Record<string, unknown>)[info.fieldName];
      return null;
    }
    const invocation: Invocation = {
      arguments: args,
      source: source && typeof source === 'object' ? (source as Record<string, unknown>) : null,
      identity: ctx.auth.identity,
      request: { headers: ctx.headers, domainName: null },
      info: {
        fieldName: info.fieldName,
        parentTypeName: parentType.name,
        variables: ctx.variables,
        selectionSetList: selectionSetList(info.fieldNodes, info.fragments),
        selectionSetGraphQL: selectionSetGraphQL(info.fieldNodes),
      },
      env: deps.env,
    };
    const result = await deps.resolvers.run(parentType.name, info.fieldName, invocation);
    ctx.invalidations.push(...result.invalidations);
    Object.assign(ctx.responseHeaders, result.responseHeaders);
    const errors = result.errors.map((e) => (e.data == null ? e : { ...e, data: dataForSelection(e.data, info.fieldNodes, info.fragments) }));
    const fatal = result.data == null && errors.length > 0 ? errors.pop() : undefined;
    const path = pathOf(info.path as never);
    const loc = info.fieldNodes[0]?.loc;
    for (const e of errors) {
      ctx.extraErrors.push({
        path,
        data: e.data ?? null,
        errorType: e.errorType,
        errorInfo: e.errorInfo ?? null,
        locations: loc ? [{ line: loc.startToken.line, column: loc.startToken.column, sourceName: null }] : null,
        message: e.message,
      });
    }
    if (fatal) throw new FieldFailure(fatal);
    return result.data;
  };
}

/** Copies `value` keeping only the selected fields, keyed by field name rather than alias. */
export function unalias(value: unknown, set: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>): unknown {
  if (value == null || !set) return value;
  if (Array.isArray(value)) return value.map((v) => unalias(v, set, fragments));
  if (typeof value !== 'object') return value;
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const walk = (s: SelectionSetNode): void => {
    for (const sel of s.selections) {
      if (sel.kind === Kind.FIELD) {
        const key = sel.alias?.value ?? sel.name.value;
        if (key in src) out[sel.name.value] = unalias(src[key], sel.selectionSet, fragments);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        walk(sel.selectionSet);
      } else {
        const frag = fragments[sel.name.value];
        if (frag) walk(frag.selectionSet);
      }
    }
  };
  walk(set);
  return out;
}

/** Runs a validated query or mutation document for one authenticated caller. */
export async function executeOperation(
  deps: ExecutionDeps,
  req: {
    document: DocumentNode;
    operation: OperationDefinitionNode;
    variables: Record<string, unknown>;
    operationName?: string;
    auth: AuthSuccess;
    headers: Record<string, string>;
  },
): Promise<ExecutionOutcome> {
  const ctx: RequestContext = { auth: req.auth, headers: req.headers, variables: req.variables, extraErrors: [], invalidations: [], responseHeaders: {} };
  const result = await execute({
    schema: deps.loaded.schema,
    document: req.document,
    variableValues: req.variables,
    operationName: req.operationName,
    contextValue: ctx,
    fieldResolver: fieldResolver(deps),
  });
  // No data at all means the variables failed coercion: a validation error, nothing ran.
  const format = result.data === undefined ? formatValidationError : formatExecutionError;
  const errors = [...(result.errors ?? []).map(format), ...ctx.extraErrors];
  const data = (result.data ?? null) as Record<string, unknown> | null;
  const events: SubscriptionEvent[] = [];
  if (req.operation.operation === 'mutation' && data) {
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of req.document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    for (const sel of req.operation.selectionSet.selections) {
      if (sel.kind !== Kind.FIELD) continue;
      const key = sel.alias?.value ?? sel.name.value;
      const value = data[key];
      if (value == null) continue;
      for (const sub of deps.loaded.subscriptionsByMutation.get(sel.name.value) ?? []) {
        events.push({ fieldName: sub, data: unalias(value, sel.selectionSet, fragments) as Record<string, unknown> });
      }
    }
  }
  return { data, errors, events, invalidations: ctx.invalidations, responseHeaders: ctx.responseHeaders };
}

/** The object type a field returns, if any (for callers that walk selections). */
export function objectTypeOf(field: GraphQLField<unknown, unknown>): GraphQLObjectType | undefined {
  const t = getNamedType(field.type);
  return isObjectType(t) ? t : undefined;
}
export type { FieldNode };
