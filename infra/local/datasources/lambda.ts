import type { DataSource, DataSourceCallContext, DataSourceResponse } from '../appsync-js/types.ts';
import type { InvokeOutcome, LocalFunction } from '../services/lambda/function.ts';
import { isObject, MalformedRequest } from './request-shape.ts';

/**
 * LAMBDA: AppSync's Invoke / BatchInvoke over a function of the local Lambda service
 * (services/lambda). The event is the request's `payload`, or — when the request has none — the
 * resolver context, as for direct Lambda resolvers. `BatchInvoke` requests of one field that arrive
 * together (the field resolved for each item of a list) go to the function as one list of
 * payloads, at most MAX_BATCH_SIZE per call; each resolver gets the element at its position in the
 * returned list. AppSync bounds a batch by the resolver's maxBatchSize, which the wiring does not
 * declare: locally a batch is whatever one execution step resolves at once.
 * A function error (a throw, a timeout) becomes `ctx.error` `{ message, type: 'Lambda:Unhandled' }`.
 */
/** AppSync's upper bound for a resolver's maxBatchSize. */
export const MAX_BATCH_SIZE = 2000;

interface BatchEntry {
  payload: unknown;
  done: (r: DataSourceResponse) => void;
}

const unhandled = (message: string): DataSourceResponse => ({ error: { message, type: 'Lambda:Unhandled' } });
const toResponse = (out: InvokeOutcome): DataSourceResponse => (out.error ? unhandled(out.error.message) : { result: out.result });

export function createLambdaDataSource(fn: LocalFunction, name = fn.name): DataSource {
  /** BatchInvoke requests waiting for the end of this turn of the event loop, per field. */
  const batches = new Map<string, BatchEntry[]>();
  const flush = (key: string): void => {
    const entries = batches.get(key) ?? [];
    batches.delete(key);
    for (let i = 0; i < entries.length; i += MAX_BATCH_SIZE) {
      const chunk = entries.slice(i, i + MAX_BATCH_SIZE);
      void fn.invoke(chunk.map((e) => e.payload)).then((out) => {
        if (out.error) return chunk.forEach((e) => e.done(toResponse(out)));
        if (!Array.isArray(out.result) || out.result.length !== chunk.length) {
          return chunk.forEach((e) => e.done(unhandled(`BatchInvoke expects the function to return a list of ${chunk.length} results, one per request`)));
        }
        const results = out.result as unknown[];
        chunk.forEach((e, k) => e.done({ result: results[k] ?? null }));
      });
    }
  };
  const enqueue = (call: DataSourceCallContext, payload: unknown): Promise<DataSourceResponse> =>
    new Promise((done) => {
      const key = `${call.invocation.info.parentTypeName}.${call.invocation.info.fieldName}`;
      const pending = batches.get(key);
      if (pending) {
        pending.push({ payload, done });
      } else {
        batches.set(key, [{ payload, done }]);
        // Sibling resolvers reach their data source within the same turn; the batch closes after it.
        setImmediate(() => flush(key));
      }
    });

  return {
    name,
    kind: 'LAMBDA',
    async invoke(request, call) {
      let payload: unknown;
      let batch = false;
      let fireAndForget = false;
      try {
        if (!isObject(request)) throw new MalformedRequest('The request must be a JSON object.');
        const op = request.operation;
        if (op !== 'Invoke' && op !== 'BatchInvoke') {
          throw new MalformedRequest(op === undefined ? "Value for field '$[operation]' not found." : `Unsupported operation '${String(op)}'.`);
        }
        batch = op === 'BatchInvoke';
        fireAndForget = request.invocationType === 'Event';
        payload = request.payload !== undefined ? request.payload : contextEvent(call);
        // A payload that cannot cross the wire as JSON is the resolver's mistake.
        JSON.stringify(payload);
      } catch (e) {
        const err = e as Error & { type?: string };
        return { error: { message: err.message, type: err.type ?? 'MappingTemplate' } };
      }
      if (batch && !fireAndForget) return enqueue(call, payload);
      const event = batch ? [payload] : payload;
      if (fireAndForget) {
        fn.invokeAsync(event);
        return { result: null };
      }
      return toResponse(await fn.invoke(event));
    },
  };
}

function contextEvent(call: DataSourceCallContext) {
  const { invocation } = call;
  return {
    arguments: invocation.arguments,
    identity: invocation.identity,
    source: invocation.source,
    request: invocation.request,
    prev: { result: call.prevResult },
    info: invocation.info,
    stash: call.stash,
  };
}
