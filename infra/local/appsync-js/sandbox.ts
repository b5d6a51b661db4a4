/**
 * One isolated node:vm context per resolver file. Resolver code sees only ECMAScript built-ins
 * (frozen) and AppSync's util/extensions/runtime/console, built inside the context by
 * runtime/entry.ts; eval and new Function are disabled, and every value crosses the boundary as a
 * JSON string, so no host object (and so no host Function constructor) is reachable.
 */
import { parse } from 'acorn';
import { simple } from 'acorn-walk';
import { build, transform } from 'esbuild';
import { randomBytes } from 'node:crypto';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type { DispatchRequest, DispatchResult } from './runtime/entry.ts';
import type { HostBridge } from './runtime/host.ts';

/** AppSync ends a request after 30 s; a single handler gets at most that. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface SandboxOptions {
  /** Bundled ES module code, as bundleResolverCode returns it. */
  code: string;
  /** Log tag, e.g. `Mutation.modifyFile#2.commit`. */
  tag: string;
  log: (line: string) => void;
  timeoutMs?: number;
}

let bootstrap: Promise<vm.Script> | undefined;

/** The in-sandbox runtime as one script, built once per process. */
function bootstrapScript(): Promise<vm.Script> {
  bootstrap ??= build({
    entryPoints: [fileURLToPath(new URL('./runtime/entry.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  }).then((r) => new vm.Script(r.outputFiles[0]!.text, { filename: 'appsync-runtime.js' }));
  return bootstrap;
}

// Promise is not part of APPSYNC_JS; removing it keeps resolver code from leaving rejected promises
// behind, which would reach the host process as unhandled rejections.
// node:vm cannot bound a context's memory, and V8 ends the whole process when its heap is
// exhausted: the built-ins that make a huge array or string from a small input refuse sizes over
// MAX_BUILT_SIZE with a RangeError, which fails the resolver instead.
export const MAX_BUILT_SIZE = 10_000_000;
const FREEZE_INTRINSICS = `(() => {
  const MAX = ${MAX_BUILT_SIZE};
  const tooBig = (what, n) => new RangeError(what + ' of ' + n + ' exceeds the local runtime limit of ' + MAX);
  const fill = Array.prototype.fill;
  Object.defineProperty(Array.prototype, 'fill', { value: function fill_(...a) { if (this.length > MAX) throw tooBig('Array.prototype.fill on a length', this.length); return fill.apply(this, a); }, writable: true, configurable: true });
  const from = Array.from;
  Object.defineProperty(Array, 'from', { value: function from_(src, ...a) {
    if (src != null && typeof src[Symbol.iterator] !== 'function' && Number(src.length) > MAX) throw tooBig('Array.from of a length', src.length);
    return from.call(this, src, ...a);
  }, writable: true, configurable: true });
  for (const name of ['repeat', 'padStart', 'padEnd']) {
    const f = String.prototype[name];
    const size = name === 'repeat' ? (s, a) => s.length * Number(a[0]) : (s, a) => Number(a[0]);
    Object.defineProperty(String.prototype, name, { value: function (...a) { const n = size(String(this), a); if (n > MAX) throw tooBig('String.prototype.' + name + ' to a length', n); return f.apply(this, a); }, writable: true, configurable: true });
  }
  for (const n of ['Promise', 'WebAssembly', 'SharedArrayBuffer', 'Atomics', 'FinalizationRegistry', 'WeakRef']) delete globalThis[n];
  const names = ['Object','Array','Function','String','Number','Boolean','Symbol','BigInt','Date','RegExp','Error','TypeError',
    'RangeError','ReferenceError','SyntaxError','URIError','EvalError','Promise','Map','Set','WeakMap','WeakSet','ArrayBuffer',
    'DataView','Proxy','Reflect','JSON','Math','Intl'];
  for (const n of names) {
    const v = globalThis[n];
    if (v === undefined) continue;
    if (v.prototype) Object.freeze(v.prototype);
    Object.freeze(v);
  }
  Object.freeze(Object.getPrototypeOf(function* () {}));
  Object.freeze(Object.getPrototypeOf(Uint8Array));
})();`;

const DISPATCH = new vm.Script('__appsyncDispatch(__appsyncRequest)', { filename: 'appsync-dispatch.js' });

export class SandboxLoadError extends Error {
  override name = 'SandboxLoadError';
}

export class ResolverSandbox {
  /** Where the current call's console lines go too (calls are synchronous, so one at a time). */
  private sink: ((line: string) => void) | undefined;

  private constructor(
    private readonly context: vm.Context,
    /** The in-context dispatcher, called directly when no watchdog is needed (no per-call script run). */
    private readonly dispatch: (request: string) => unknown,
    /**
     * Set only for code with for-of / for-in loops or that makes arrays of arbitrary length
     * (Array(n), Array.from, fill, repeat). APPSYNC_JS has no while, C-style for, recursion or
     * generators, so a loop over a collection the code keeps growing, or a callback over an array
     * as long as it likes, is the way to run (nearly) forever; without either every call ends
     * within the size of its input. node:vm's timeout starts a
     * watchdog thread per call (about 0.1-0.7 ms each on this machine), which loop-free resolvers
     * are spared.
     */
    private readonly timeoutMs: number | undefined,
    /** From the CommonJS form run here back to the deployed ES module, for `code.js:LINE:COL`. */
    private readonly toDeployed?: SourceMap,
  ) {}

  /** Places a crash at its line and column in the deployed code, as AppSync reports it. */
  private placeCrash(message: string): string {
    const m = /^code\.js:(\d+):(\d+): /.exec(message);
    if (!m || !this.toDeployed) return message;
    const entry = this.toDeployed.findEntry(Number(m[1]) - 1, Number(m[2]) - 1) as { originalLine?: number; originalColumn?: number };
    if (entry.originalLine === undefined) return message.slice(m[0].length);
    return `code.js:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}: ${message.slice(m[0].length)}`;
  }

  static async create(opts: SandboxOptions): Promise<ResolverSandbox> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const current: { sandbox?: ResolverSandbox } = {};
    const bridge: HostBridge = {
      randomHex: (n: number) => randomBytes(Math.max(0, Math.min(1024, Math.floor(n)))).toString('hex'),
      log: (level, line) => {
        const text = `[${opts.tag}]${level === 'error' || level === 'warn' ? ` ${level.toUpperCase()}` : ''} ${String(line)}`;
        opts.log(text);
        current.sandbox?.sink?.(text);
      },
    };
    // The object vm contextifies backs the context's global: property reads fall through to it and
    // its prototype chain. A plain host object would hand resolver code the host's Object, and so
    // the host's Function (`globalThis.constructor.constructor('return process')()`); a
    // null-prototype object leaves only the context's own, code-generation-disabled built-ins.
    const globals = Object.create(null) as Record<string, unknown>;
    globals.__appsyncHost = bridge;
    const context = vm.createContext(globals, { name: opts.tag, codeGeneration: { strings: false, wasm: false } });
    (await bootstrapScript()).runInContext(context);
    vm.runInContext(FREEZE_INTRINSICS, context);
    // The deployed artifact is an ES module; node:vm runs only scripts without a flag, so the same
    // code is turned into a CommonJS body whose imports resolve to the sandbox's own modules.
    const cjs = await transform(opts.code, { loader: 'js', format: 'cjs', target: 'esnext', logLevel: 'silent', sourcemap: 'external', sourcefile: 'code.js' });
    const toDeployed = new SourceMap(JSON.parse(cjs.map) as ConstructorParameters<typeof SourceMap>[0]);
    const wrapped = `__appsyncDefine(function (require, module, exports) {"use strict";\n${cjs.code}\n});`;
    // import() cannot be stopped from inside a vm script without a Node flag, and its rejection
    // would reach the host as an unhandled rejection: refuse such code before it runs (the
    // bundler's rule check refuses it too).
    let hasImport = false;
    let hasLoop = false;
    simple(parse(cjs.code, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true }), {
      ImportExpression: () => {
        hasImport = true;
      },
      ForOfStatement: () => {
        hasLoop = true;
      },
      ForInStatement: () => {
        hasLoop = true;
      },
      // Refused by the rule check; counted anyway in case code reaches the sandbox another way.
      ForStatement: () => {
        hasLoop = true;
      },
      WhileStatement: () => {
        hasLoop = true;
      },
      DoWhileStatement: () => {
        hasLoop = true;
      },
      // Arrays of any length made from nothing (`Array.from({ length: 1e9 }, f)`, `Array(n).fill(x)`)
      // let loop-free code run a callback for hours: such code gets the watchdog too.
      CallExpression: (node) => {
        const callee = node.callee as { type: string; name?: string; property?: { type: string; name?: string } };
        if (callee.type === 'Identifier' && callee.name === 'Array') hasLoop = true;
        if (callee.type === 'MemberExpression' && ['from', 'fill', 'repeat'].includes(callee.property?.name ?? '')) hasLoop = true;
      },
    });
    if (hasImport) throw new SandboxLoadError(`${opts.tag}: dynamic import() is not supported`);
    new vm.Script(wrapped, { filename: '<resolver>' }).runInContext(context, { timeout: timeoutMs });
    const dispatch = vm.runInContext('__appsyncDispatch', context) as (request: string) => unknown;
    current.sandbox = new ResolverSandbox(context, dispatch, hasLoop ? timeoutMs : undefined, toDeployed);
    return current.sandbox;
  }

  /** Runs `request` or `response`; resolver-side failures come back as outcomes, never as throws. */
  call(req: DispatchRequest, onLog?: (line: string) => void): DispatchResult {
    this.sink = onLog;
    const request = JSON.stringify(req);
    let out: unknown;
    try {
      if (this.timeoutMs === undefined) {
        out = this.dispatch(request);
      } else {
        this.context.__appsyncRequest = request;
        out = DISPATCH.runInContext(this.context, { timeout: this.timeoutMs });
      }
    } catch (e) {
      const timedOut = (e as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
      const message = timedOut ? `Error: execution timed out after ${this.timeoutMs} ms` : `Error: ${String((e as Error)?.message ?? e)}`;
      return {
        outcome: 'crash',
        message,
        state: { errors: [], invalidations: [], responseHeaders: {}, typeName: req.typeName, fieldName: req.fieldName, authType: req.authType },
        stash: req.ctx.stash,
      };
    } finally {
      this.context.__appsyncRequest = undefined;
      this.sink = undefined;
    }
    const result = JSON.parse(String(out)) as DispatchResult;
    if (result.outcome === 'crash') result.message = this.placeCrash(result.message);
    return result;
  }
}
