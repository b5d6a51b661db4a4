import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DataSource, DataSourceCallContext, DataSourceResponse } from '../appsync-js/types.ts';
import { isObject, MalformedRequest } from './request-shape.ts';

/**
 * LAMBDA: the handler module is imported once, in this process (the runtime runs under tsx, so a
 * .ts handler loads as is), and called with AppSync's event: the request's `payload`, or — when
 * the request has none — the resolver context, as for direct Lambda resolvers. `BatchInvoke`
 * requests of one field that arrive together (the field resolved for each item of a list) go to
 * the function as one list of payloads, at most MAX_BATCH_SIZE per call; each resolver gets the
 * element at its position in the returned list. AppSync bounds a batch by the resolver's
 * maxBatchSize, which the wiring does not declare: locally a batch is whatever one execution
 * step resolves at once.
 * A thrown error or a timeout becomes `ctx.error` `{ message, type: 'Lambda:Unhandled' }`.
 *
 * The declared environment is written into process.env before the import and before each call.
 * Handlers share one process, so two functions giving one variable different values would see
 * each other's; the runtime's declarations should avoid that.
 */
/** AppSync's upper bound for a resolver's maxBatchSize. */
export const MAX_BATCH_SIZE = 2000;

interface BatchEntry {
  payload: unknown;
  done: (r: DataSourceResponse) => void;
}

export interface LambdaDataSourceOptions {
  name: string;
  /** Absolute path of the handler module (exports `handler`). */
  modulePath: string;
  environment: Record<string, string>;
  /** AppSync gives up on a Lambda data source after 30 s. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

type Handler = (event: unknown, context: LambdaContext, callback?: (err: unknown, result?: unknown) => void) => unknown;

export interface LambdaContext {
  awsRequestId: string;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

export function resolveHandlerPath(root: string, handler: string): string {
  return resolve(root, handler);
}

export function createLambdaDataSource(opts: LambdaDataSourceOptions): DataSource {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let loaded: Promise<Handler> | undefined;
  const load = () => {
    loaded ??= (async () => {
      Object.assign(process.env, opts.environment);
      const mod = (await import(pathToFileURL(opts.modulePath).href)) as { handler?: unknown; default?: { handler?: unknown } };
      const handler = mod.handler ?? mod.default?.handler;
      if (typeof handler !== 'function') throw new Error(`${opts.modulePath} does not export a function "handler"`);
      return handler as Handler;
    })();
    return loaded;
  };

  /** BatchInvoke requests waiting for the end of this turn of the event loop, per field. */
  const batches = new Map<string, BatchEntry[]>();
  const flush = (key: string): void => {
    const entries = batches.get(key) ?? [];
    batches.delete(key);
    for (let i = 0; i < entries.length; i += MAX_BATCH_SIZE) {
      const chunk = entries.slice(i, i + MAX_BATCH_SIZE);
      void runHandler(
        load,
        chunk.map((e) => e.payload),
        opts,
        timeoutMs,
      ).then((out) => {
        if (out.error) return chunk.forEach((e) => e.done(out));
        if (!Array.isArray(out.result) || out.result.length !== chunk.length) {
          const error = { message: `BatchInvoke expects the function to return a list of ${chunk.length} results, one per request`, type: 'Lambda:Unhandled' };
          return chunk.forEach((e) => e.done({ error }));
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
    name: opts.name,
    kind: 'LAMBDA',
    async invoke(request, call) {
      let event: unknown;
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
        const payload = request.payload !== undefined ? request.payload : contextEvent(call);
        // What the function receives has crossed the wire as JSON.
        event = JSON.parse(JSON.stringify(payload) ?? 'null');
      } catch (e) {
        const err = e as Error & { type?: string };
        return { error: { message: err.message, type: err.type ?? 'MappingTemplate' } };
      }
      if (batch && !fireAndForget) return enqueue(call, event);
      const run = runHandler(load, batch ? [event] : event, opts, timeoutMs);
      if (fireAndForget) {
        run.then((r) => r.error && opts.log?.(`[${opts.name}] async invocation failed: ${r.error.message}`)).catch(() => {});
        return { result: null };
      }
      return run;
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

async function runHandler(load: () => Promise<Handler>, event: unknown, opts: LambdaDataSourceOptions, timeoutMs: number): Promise<DataSourceResponse> {
  const deadline = Date.now() + timeoutMs;
  const context: LambdaContext = {
    awsRequestId: randomUUID(),
    functionName: opts.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${opts.name}`,
    memoryLimitInMB: '128',
    logGroupName: `/aws/lambda/${opts.name}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const handler = await load();
    Object.assign(process.env, opts.environment);
    const result = await Promise.race([
      // Callback-style handlers (three parameters) answer through the callback.
      handler.length >= 3
        ? new Promise((res, rej) => {
            const r = handler(event, context, (err, value) => (err ? rej(err) : res(value)));
            if (r instanceof Promise) r.then(res, rej);
          })
        : Promise.resolve(handler(event, context)),
      new Promise((_, rej) => {
        timer = setTimeout(() => rej(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`)), timeoutMs);
      }),
    ]);
    return { result: result === undefined ? null : JSON.parse(JSON.stringify(result)) };
  } catch (e) {
    const message = e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e);
    return { error: { message, type: 'Lambda:Unhandled' } };
  } finally {
    clearTimeout(timer);
  }
}
