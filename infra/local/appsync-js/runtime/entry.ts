/**
 * Bootstrap evaluated inside each resolver's sandbox. It builds util/extensions/runtime in the
 * sandbox's realm, defines `require` for the @aws-appsync/utils imports, and installs the
 * dispatcher the host calls with JSON in and JSON out, so no host object ever reaches resolver code.
 */
import * as ddb from './ddb-module.ts';
import { newInvocationState, type HostBridge, type InvocationState } from './host.ts';
import { isSignal } from './signals.ts';
import { createRuntimeApi } from './util.ts';

declare const globalThis: Record<string, unknown>;

/** What the host sends for one handler call. */
export interface DispatchRequest {
  handler: 'request' | 'response';
  ctx: Record<string, unknown>;
  typeName: string;
  fieldName: string;
  authType: string;
}

/** What comes back. `stash` is returned because handlers may change it. */
export type DispatchResult =
  | { outcome: 'return'; value: unknown; state: InvocationState; stash: unknown }
  | { outcome: 'error'; error: { message: string; errorType: string; data: unknown; errorInfo: unknown }; state: InvocationState; stash: unknown }
  | { outcome: 'earlyReturn'; value: unknown; skipTo: 'END' | 'NEXT' | null; state: InvocationState; stash: unknown }
  | { outcome: 'crash'; message: string; state: InvocationState; stash: unknown }
  | { outcome: 'missing'; state: InvocationState; stash: unknown };

const host = globalThis.__appsyncHost as HostBridge;
delete globalThis.__appsyncHost;

let state = newInvocationState();
const api = createRuntimeApi(host, () => state);
const utilsModule = Object.freeze({ util: api.util, extensions: api.extensions, runtime: api.runtime });
const ddbModule = Object.freeze({ ...ddb });

function sandboxRequire(name: string): unknown {
  if (name === '@aws-appsync/utils') return utilsModule;
  if (name === '@aws-appsync/utils/dynamodb') return ddbModule;
  throw new TypeError(`Cannot find module '${name}'`);
}

const format = (args: unknown[]): string => args.map((a) => (typeof a === 'string' ? a : (JSON.stringify(a) ?? String(a)))).join(' ');
const console = Object.freeze({
  log: (...a: unknown[]) => host.log('log', format(a)),
  info: (...a: unknown[]) => host.log('info', format(a)),
  debug: (...a: unknown[]) => host.log('debug', format(a)),
  warn: (...a: unknown[]) => host.log('warn', format(a)),
  error: (...a: unknown[]) => host.log('error', format(a)),
});

let handlers: Record<string, unknown> = {};

function define(factory: (require: (n: string) => unknown, module: { exports: Record<string, unknown> }, exports: Record<string, unknown>) => void): void {
  const module = { exports: {} as Record<string, unknown> };
  factory(sandboxRequire, module, module.exports);
  handlers = module.exports;
}

/** Where in the bundle a crash happened, as AppSync prefixes it: `code.js:LINE:COL: TypeError: ...`. */
function crashMessage(e: unknown): string {
  if (e instanceof Error) {
    const at = /<resolver>:(\d+):(\d+)/.exec(String(e.stack));
    const where = at ? `code.js:${Number(at[1]) - 1}:${at[2]}: ` : '';
    return `${where}${e.name}: ${e.message}`;
  }
  return `Error: ${String(e)}`;
}

function dispatch(requestJson: string): string {
  const req = JSON.parse(requestJson) as DispatchRequest;
  state = newInvocationState(req.typeName, req.fieldName, req.authType);
  const ctx = req.ctx;
  const fn = handlers[req.handler];
  let result: DispatchResult;
  if (typeof fn !== 'function') {
    result = { outcome: 'missing', state, stash: ctx.stash };
  } else {
    try {
      const value = (fn as (c: unknown) => unknown)(ctx);
      result = { outcome: 'return', value: value === undefined ? null : value, state, stash: ctx.stash };
    } catch (e) {
      if (isSignal(e) && e.__appsync === 'error') {
        result = { outcome: 'error', error: { message: e.message, errorType: e.errorType, data: e.data, errorInfo: e.errorInfo }, state, stash: ctx.stash };
      } else if (isSignal(e) && e.__appsync === 'earlyReturn') {
        result = { outcome: 'earlyReturn', value: e.value, skipTo: e.skipTo ?? null, state, stash: ctx.stash };
      } else {
        result = { outcome: 'crash', message: crashMessage(e), state, stash: ctx.stash };
      }
    }
  }
  try {
    return JSON.stringify(result);
  } catch (e) {
    return JSON.stringify({ outcome: 'crash', message: `Error: the returned value is not JSON: ${crashMessage(e)}`, state: newInvocationState(), stash: null });
  }
}

/** Resolver code must not be able to change util for later calls. */
function deepFreeze(o: unknown): void {
  if ((typeof o !== 'object' && typeof o !== 'function') || o === null || Object.isFrozen(o)) return;
  Object.freeze(o);
  for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
}
deepFreeze(api);

// Resolver code sees AppSync's globals and nothing of the host.
for (const [name, value] of Object.entries({ util: api.util, extensions: api.extensions, runtime: api.runtime, console })) {
  Object.defineProperty(globalThis, name, { value, enumerable: false, writable: false, configurable: false });
}
for (const [name, value] of Object.entries({ __appsyncDefine: define, __appsyncDispatch: dispatch })) {
  Object.defineProperty(globalThis, name, { value, enumerable: false, writable: false, configurable: false });
}
