/**
 * Runs a field's resolver as AppSync does: unit (request -> data source -> response) or pipeline
 * (before -> each function's request/data source/response -> after), on the bundled code in
 * per-file sandboxes. Resolver failures become GraphQL errors, never exceptions.
 */
import { DEFAULT_PIPELINE_CODE } from '../../build/default-pipeline.ts';
import { bundleResolverCode } from '../../build/bundle.ts';
import type { FunctionWiring, ResolverWiring } from '../../wiring/types.ts';
import { authTypeOf, buildCtx, type CtxParts } from './context.ts';
import type { DispatchResult } from './runtime/entry.ts';
import type { InvocationState } from './runtime/host.ts';
import { ResolverSandbox } from './sandbox.ts';
import type { DataSource, DataSourceResponse, Invocation, InvocationResult, ResolverError, ResolverExecutor, SubscriptionFilterSpec } from './types.ts';

/** AppSync's errorType for a resolver whose code failed at run time. */
export const CODE_ERROR_TYPE = 'Code';

export type { ResolverExecutor } from './types.ts';

export interface ExecutorOptions {
  wiring: ResolverWiring[];
  dataSources: Record<string, DataSource>;
  log?: (line: string) => void;
  /** Per handler call; AppSync's request limit by default. */
  timeoutMs?: number;
}

export class ExecutorConfigError extends Error {
  override name = 'ExecutorConfigError';
}

interface Step {
  tag: string;
  sandbox: ResolverSandbox;
  dataSource?: DataSource;
}

interface Plan {
  wiring: ResolverWiring;
  unit?: Step;
  before?: Step;
  functions: Step[];
}

/** Thrown inside run() to stop the resolver; carries the field's fatal error. */
class Abort {
  constructor(readonly error: ResolverError) {}
}

/** Resolver code bundled and loaded into sandboxes, not yet bound to data sources. */
export interface LoadedResolvers {
  /** The executor over these data sources (every one the wiring names must be there). */
  bind(dataSources: Record<string, DataSource>): ResolverExecutor;
}

interface LoadedPlan {
  wiring: ResolverWiring;
  unit?: LoadedStep;
  before?: LoadedStep;
  functions: LoadedStep[];
}

type LoadedStep = Omit<Step, 'dataSource'> & { dataSource?: string };

export async function createResolverExecutor(opts: ExecutorOptions): Promise<ResolverExecutor> {
  return (await loadResolvers(opts)).bind(opts.dataSources);
}

/**
 * Bundles and loads every resolver's code (the slow part, which the runtime does while its
 * services start); `bind` then gives the executor once the data sources exist.
 */
export async function loadResolvers(opts: Omit<ExecutorOptions, 'dataSources'>): Promise<LoadedResolvers> {
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const sandboxes = new Map<string, Promise<ResolverSandbox>>();
  const load = (file: string, tag: string): Promise<ResolverSandbox> => {
    let sb = sandboxes.get(file);
    if (!sb) {
      sb = bundleResolverCode(file).then((code) => ResolverSandbox.create({ code, tag, log, timeoutMs: opts.timeoutMs }));
      sandboxes.set(file, sb);
    }
    return sb;
  };
  const loaded = new Map<string, LoadedPlan>();
  for (const w of opts.wiring) {
    const field = `${w.typeName}.${w.fieldName}`;
    if (w.kind === 'UNIT') {
      if (!w.file || !w.dataSource) throw new ExecutorConfigError(`${field}: a unit resolver needs a file and a data source`);
      loaded.set(field, { wiring: w, unit: { tag: field, sandbox: await load(w.file, field), dataSource: w.dataSource }, functions: [] });
    } else {
      const fnStep = async (f: FunctionWiring): Promise<LoadedStep> => {
        const tag = `${field}#${f.name.slice(`${w.typeName}_${w.fieldName}_`.length).replace('_', '.')}`;
        return { tag, sandbox: await load(f.file, tag), dataSource: f.dataSource };
      };
      const functions: LoadedStep[] = [];
      for (const f of w.functions) functions.push(await fnStep(f));
      const tag = `${field}#pipeline`;
      const before = {
        tag,
        sandbox: w.file ? await load(w.file, tag) : await ResolverSandbox.create({ code: DEFAULT_PIPELINE_CODE, tag, log, timeoutMs: opts.timeoutMs }),
      };
      loaded.set(field, { wiring: w, before, functions });
    }
  }
  return { bind: (dataSources) => bindPlans(loaded, dataSources) };
}

function bindPlans(loaded: Map<string, LoadedPlan>, dataSources: Record<string, DataSource>): ResolverExecutor {
  const bind = (step: LoadedStep): Step => {
    if (step.dataSource === undefined) return { tag: step.tag, sandbox: step.sandbox };
    const ds = Object.hasOwn(dataSources, step.dataSource) ? dataSources[step.dataSource] : undefined;
    if (!ds) throw new ExecutorConfigError(`${step.tag}: unknown data source "${step.dataSource}"`);
    return { tag: step.tag, sandbox: step.sandbox, dataSource: ds };
  };
  const plans = new Map<string, Plan>();
  for (const [field, p] of loaded) {
    plans.set(field, { wiring: p.wiring, unit: p.unit && bind(p.unit), before: p.before && bind(p.before), functions: p.functions.map(bind) });
  }
  return {
    has: (typeName, fieldName) => plans.has(`${typeName}.${fieldName}`),
    run: async (typeName, fieldName, invocation) => {
      const plan = plans.get(`${typeName}.${fieldName}`);
      if (!plan) throw new ExecutorConfigError(`no resolver for ${typeName}.${fieldName}`);
      return new Run(invocation, typeName, fieldName).execute(plan);
    },
  };
}

/** The state of one resolver execution: its stash, errors, logs and extension outputs. */
class Run {
  private stash: Record<string, unknown> = {};
  private readonly errors: ResolverError[] = [];
  private readonly logs: string[] = [];
  private readonly invalidations: InvocationResult['invalidations'] = [];
  private readonly responseHeaders: Record<string, string> = {};
  private subscriptionFilter: SubscriptionFilterSpec | undefined;
  private subscriptionInvalidationFilter: SubscriptionFilterSpec | undefined;
  private readonly authType: string;

  constructor(
    private readonly inv: Invocation,
    private readonly typeName: string,
    private readonly fieldName: string,
  ) {
    this.authType = authTypeOf(inv.identity);
  }

  async execute(plan: Plan): Promise<InvocationResult> {
    let data: unknown = null;
    try {
      data = plan.unit ? await this.unit(plan.unit) : await this.pipeline(plan);
    } catch (e) {
      if (!(e instanceof Abort)) throw e;
      this.errors.push(e.error);
      data = null;
    }
    const out: InvocationResult = { data, errors: this.errors, invalidations: this.invalidations, logs: this.logs };
    if (Object.keys(this.responseHeaders).length) out.responseHeaders = this.responseHeaders;
    if (this.subscriptionFilter) out.subscriptionFilter = this.subscriptionFilter;
    if (this.subscriptionInvalidationFilter) out.subscriptionInvalidationFilter = this.subscriptionInvalidationFilter;
    return out;
  }

  private async unit(step: Step): Promise<unknown> {
    const req = this.call(step, 'request', {});
    if (req.outcome === 'earlyReturn') return req.value;
    const ds = await this.invoke(step, req.value, null);
    return this.call(step, 'response', { result: ds.result ?? null, error: ds.error }).value;
  }

  private async pipeline(plan: Plan): Promise<unknown> {
    let prev: unknown = null;
    let skipToEnd = false;
    if (plan.before) {
      const r = this.call(plan.before, 'request', {});
      prev = r.value;
      // earlyReturn in the pipeline's request skips every function and goes to its response.
      skipToEnd = r.outcome === 'earlyReturn';
    }
    for (const fn of plan.functions) {
      if (skipToEnd) break;
      const req = this.call(fn, 'request', { prevResult: prev });
      if (req.outcome === 'earlyReturn') {
        prev = req.value;
        if (req.skipTo === 'END') skipToEnd = true;
        continue;
      }
      const ds = await this.invoke(fn, req.value, prev);
      const res = this.call(fn, 'response', { prevResult: prev, result: ds.result ?? null, error: ds.error });
      prev = res.value;
      if (res.outcome === 'earlyReturn' && res.skipTo === 'END') skipToEnd = true;
    }
    if (!plan.before) return prev;
    return this.call(plan.before, 'response', { prevResult: prev }).value;
  }

  /** One handler call; a fatal outcome aborts the resolver. */
  private call(step: Step, handler: 'request' | 'response', parts: Omit<CtxParts, 'stash'>): { outcome: 'return' | 'earlyReturn'; value: unknown; skipTo: 'END' | 'NEXT' | null } {
    const ctx = buildCtx(this.inv, { ...parts, stash: this.stash });
    const r: DispatchResult = step.sandbox.call({ handler, ctx, typeName: this.typeName, fieldName: this.fieldName, authType: this.authType }, (line) => this.logs.push(line));
    this.absorb(r.state);
    if (r.stash && typeof r.stash === 'object') this.stash = r.stash as Record<string, unknown>;
    switch (r.outcome) {
      case 'return':
        return { outcome: 'return', value: r.value, skipTo: null };
      case 'earlyReturn':
        return { outcome: 'earlyReturn', value: r.value, skipTo: r.skipTo };
      case 'error':
        throw new Abort({ message: r.error.message, errorType: r.error.errorType, data: r.error.data, errorInfo: r.error.errorInfo });
      case 'missing':
        throw new Abort({ message: `${step.tag}: the code exports no ${handler} function`, errorType: CODE_ERROR_TYPE });
      case 'crash':
        throw new Abort({ message: r.message, errorType: CODE_ERROR_TYPE });
    }
  }

  private absorb(state: InvocationState): void {
    for (const e of state.errors) this.errors.push({ message: e.message, errorType: e.errorType, data: e.data ?? null, errorInfo: e.errorInfo ?? null });
    this.invalidations.push(...state.invalidations);
    Object.assign(this.responseHeaders, state.responseHeaders);
    if (state.subscriptionFilter) this.subscriptionFilter = state.subscriptionFilter as SubscriptionFilterSpec;
    if (state.subscriptionInvalidationFilter) this.subscriptionInvalidationFilter = state.subscriptionInvalidationFilter as SubscriptionFilterSpec;
  }

  private async invoke(step: Step, request: unknown, prevResult: unknown): Promise<DataSourceResponse> {
    const ds = step.dataSource;
    if (!ds) return { result: null };
    try {
      return await ds.invoke(request, { invocation: this.inv, stash: this.stash, prevResult });
    } catch (e) {
      // The contract says invoke never rejects; if one does, the resolver sees it as ctx.error.
      return { error: { message: String((e as Error)?.message ?? e), type: 'InternalFailure' } };
    }
  }
}
