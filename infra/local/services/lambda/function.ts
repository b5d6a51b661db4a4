/**
 * One Lambda function of the local Lambda service: the handler module is imported once, in this
 * process (the runtime runs under tsx, so a .ts handler loads as is), and each `invoke(event)` calls
 * it with the event and a Lambda context, as Lambda's Invoke does. Every caller goes through here:
 * the LAMBDA data source (AppSync's Invoke / BatchInvoke), stream event source mappings (a DynamoDB
 * Streams event) and webhook deliveries (an SQS event).
 *
 * What crosses Lambda's wire is JSON both ways, so the event and the result are copied through JSON.
 * A thrown error, a rejected promise or a timeout is a function error (Lambda's `FunctionError:
 * Unhandled`), never an exception of `invoke`. What the handler writes with `console.*` during the
 * invocation is returned as `logs` (Lambda's `LogType: Tail`) and goes to the service's log as
 * `[<function>] <line>` (CloudWatch's stand-in; printed as usual without a log).
 *
 * The declared environment is written into process.env before the import and before each call.
 * Functions share one process, so two functions giving one variable different values would see
 * each other's; a handler should read its variables at the start of an invocation.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { format } from 'node:util';
import { pathToFileURL } from 'node:url';

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

/** The outcome of one invocation: the handler's result, or its error (Lambda: FunctionError Unhandled). */
export type InvokeOutcome = { result: unknown; logs: string[]; error?: undefined } | { error: { message: string }; logs: string[]; result?: undefined };

export interface LocalFunction {
  readonly name: string;
  /** RequestResponse: resolves with the outcome once the handler answers (never rejects). */
  invoke(event: unknown): Promise<InvokeOutcome>;
  /** Event (asynchronous) invocation: returns at once; a failure is logged. */
  invokeAsync(event: unknown): void;
}

export interface LocalFunctionOptions {
  name: string;
  /** Absolute path of the handler module (exports `handler`). */
  modulePath: string;
  environment: Record<string, string>;
  /** Lambda's default is 3 s; AppSync gives up on a data source after 30 s (the default here). */
  timeoutMs?: number;
  log?: (line: string) => void;
}

type Handler = (event: unknown, context: LambdaContext, callback?: (err: unknown, result?: unknown) => void) => unknown;

export function createLocalFunction(opts: LocalFunctionOptions): LocalFunction {
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
  const invoke = (event: unknown) => run(load, toJson(event), opts, timeoutMs);
  return {
    name: opts.name,
    invoke,
    invokeAsync(event) {
      void invoke(event).then((r) => r.error && opts.log?.(`[${opts.name}] async invocation failed: ${r.error.message}`));
    },
  };
}

const toJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v) ?? 'null');

/** The log of the invocation the current async context belongs to. */
const invocationLogs = new AsyncLocalStorage<{ lines: string[]; log?: (line: string) => void }>();
let consoleCaptured = false;

/** Once per process: console.* inside an invocation is also kept for that invocation's `logs`. */
function captureConsole(): void {
  if (consoleCaptured) return;
  consoleCaptured = true;
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      const store = invocationLogs.getStore();
      if (!store) return original(...args);
      const line = format(...args);
      store.lines.push(line);
      if (store.log) store.log(line);
      else original(...args);
    };
  }
}

async function run(load: () => Promise<Handler>, event: unknown, opts: LocalFunctionOptions, timeoutMs: number): Promise<InvokeOutcome> {
  captureConsole();
  const logs: string[] = [];
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
    const log = opts.log && ((line: string) => opts.log!(`[${opts.name}] ${line}`));
    const result = await invocationLogs.run({ lines: logs, log }, () => {
      Object.assign(process.env, opts.environment);
      return Promise.race([
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
    });
    return { result: result === undefined ? null : toJson(result), logs };
  } catch (e) {
    const message = e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e);
    return { error: { message }, logs };
  } finally {
    clearTimeout(timer);
  }
}
