import { execute, getArgumentValues, Kind, type FieldNode, type GraphQLError } from 'graphql';
import type { Authenticator } from '../auth/types.ts';
import type { PreparedSubscription, ProtocolErrorEntry, RealtimeEngine } from '../realtime/types.ts';
import type { Invocation, SubscriptionFilterSpec } from '../appsync-js/types.ts';
import { notAuthorized, type ExecutionDeps } from './execute.ts';
import { prepareRequest } from './request.ts';
import { selectionSetGraphQL, selectionSetList } from './selection.ts';
import { formatExecutionError } from './errors.ts';

const entry = (errorType: string, message: string): ProtocolErrorEntry => ({ errorType, message });

/**
 * The GraphQL side of AppSync subscriptions: authorizes each `start` on its own headers, runs the
 * subscription field's resolver (for enhanced filters and custom auth), and renders each event
 * with the subscriber's selection over what the mutation selected.
 */
export function createRealtimeEngine(deps: ExecutionDeps & { authenticator: Authenticator }): RealtimeEngine {
  const { schema } = deps.loaded;
  return {
    async authenticate(authHeaders, sourceIp, signedRequest) {
      const auth = await deps.authenticator.authenticate(lower(authHeaders), sourceIp, signedRequest);
      return auth.ok ? { ok: true } : auth;
    },

    async prepare({ query, variables, operationName, authHeaders, sourceIp, signedRequest }) {
      const headers = lower(authHeaders);
      const auth = await deps.authenticator.authenticate(headers, sourceIp, signedRequest);
      if (!auth.ok) return { ok: false, errors: [{ errorType: auth.errorType, message: auth.message, errorCode: auth.status }] };
      if (typeof query !== 'string') return { ok: false, errors: [entry('BadRequestException', 'The start payload must carry a GraphQL query string.')] };
      const prepared = prepareRequest(schema, { query, variables, operationName });
      if (!prepared.ok) return { ok: false, errors: prepared.errors.map((e) => entry(e.errorType ?? 'ValidationError', e.message)) };
      const { document, operation } = prepared.request;
      if (operation.operation !== 'subscription') {
        return { ok: false, errors: [entry('UnsupportedOperation', `Only subscriptions are accepted on the real-time endpoint, got a ${operation.operation}.`)] };
      }
      const fields = operation.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD && !s.name.value.startsWith('__'));
      if (fields.length !== 1 || operation.selectionSet.selections.length !== fields.length) {
        return { ok: false, errors: [entry('ValidationError', 'A subscription operation must select exactly one subscription field.')] };
      }
      const fieldNode = fields[0]!;
      const subType = schema.getSubscriptionType()!;
      const field = subType.getFields()[fieldNode.name.value]!;
      if (!deps.authorizeField(subType, field, auth)) {
        const e = notAuthorized(field.name, subType.name);
        return { ok: false, errors: [entry(e.errorType, e.message)] };
      }
      let args: Record<string, unknown>;
      try {
        args = getArgumentValues(field, fieldNode, prepared.request.variables);
      } catch (e) {
        return { ok: false, errors: [entry('ValidationError', (e as GraphQLError).message)] };
      }
      const fragments = Object.fromEntries(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
      let enhancedFilter: SubscriptionFilterSpec | undefined;
      let invalidationFilter: SubscriptionFilterSpec | undefined;
      if (deps.resolvers.has(subType.name, field.name)) {
        const invocation: Invocation = {
          arguments: args,
          source: null,
          identity: auth.identity,
          request: { headers, domainName: null },
          info: {
            fieldName: field.name,
            parentTypeName: subType.name,
            variables: prepared.request.variables,
            selectionSetList: selectionSetList([fieldNode], fragments),
            selectionSetGraphQL: selectionSetGraphQL([fieldNode]),
          },
          env: deps.env,
        };
        const result = await deps.resolvers.run(subType.name, field.name, invocation);
        if (result.errors.length) return { ok: false, errors: result.errors.map((e) => entry(e.errorType, e.message)) };
        enhancedFilter = result.subscriptionFilter;
        invalidationFilter = result.subscriptionInvalidationFilter;
      }
      const argumentFilter: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(args)) if (v != null) argumentFilter[k] = v;

      const subscription: PreparedSubscription = {
        fieldName: field.name,
        argumentFilter,
        enhancedFilter,
        invalidationFilter,
        async render(eventData) {
          const ctx = { auth, extraErrors: [] };
          const result = await execute({
            schema,
            document,
            operationName,
            variableValues: prepared.request.variables,
            contextValue: ctx,
            rootValue: { [field.name]: eventData },
            fieldResolver: (source, _args, c, info) => {
              const parent = info.parentType;
              const f = parent.getFields()[info.fieldName]!;
              if (!deps.authorizeField(parent, f, auth)) {
                const e = notAuthorized(info.fieldName, parent.name);
                throw Object.assign(new Error(e.message), { errorType: e.errorType });
              }
              return source && typeof source === 'object' ? (source as Record<string, unknown>)[info.fieldName] : null;
            },
          });
          const errors = (result.errors ?? []).map((e) => {
            const f = formatExecutionError(e);
            const typed = (e.originalError as { errorType?: string } | undefined)?.errorType;
            return entry(typed ?? f.errorType ?? 'ExecutionError', f.message);
          });
          return { data: (result.data ?? null) as Record<string, unknown> | null, ...(errors.length ? { errors } : {}) };
        },
      };
      return { ok: true, subscription };
    },
  };
}

function lower(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}
