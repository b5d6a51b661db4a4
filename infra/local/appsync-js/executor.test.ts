import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolverWiring } from '../../wiring/types.ts';
import { ResolverCodeError } from '../../build/bundle.ts';
import { CODE_ERROR_TYPE, createResolverExecutor, ExecutorConfigError } from './executor.ts';
import type { DataSource, DataSourceCallContext, Invocation } from './types.ts';

const fx = (p: string): string => join(fileURLToPath(new URL('./fixtures/', import.meta.url)), p);

/** Echoes the request; `{ op: 'fail' }` fails the way a data source reports errors. */
class MemDataSource implements DataSource {
  readonly name = 'mem';
  readonly kind = 'NONE' as const;
  readonly calls: Array<{ request: unknown; context: DataSourceCallContext }> = [];
  async invoke(request: unknown, context: DataSourceCallContext) {
    this.calls.push({ request, context });
    if ((request as { op?: string }).op === 'fail') return { error: { message: 'boom', type: 'DynamoDB:ConditionalCheckFailedException' } };
    return { result: { got: request } };
  }
}

const unit = (typeName: string, fieldName: string, file: string): ResolverWiring => ({ typeName, fieldName, kind: 'UNIT', dataSource: 'mem', file: fx(file), functions: [] });
const pipeline = (typeName: string, fieldName: string, dir: string, names: string[], withCode: boolean): ResolverWiring => ({
  typeName,
  fieldName,
  kind: 'PIPELINE',
  file: withCode ? fx(`${dir}/pipeline.ts`) : undefined,
  functions: names.map((n, i) => ({ name: `${typeName}_${fieldName}_${i + 1}_${n}`, order: i + 1, dataSource: 'mem', file: fx(`${dir}/${i + 1}.${n}.ts`) })),
});

const WIRING: ResolverWiring[] = [
  unit('Query', 'echo', 'Query.echo.ts'),
  unit('Query', 'errors', 'Query.errors.ts'),
  unit('Query', 'dsError', 'Query.dsError.ts'),
  unit('Query', 'early', 'Query.early.ts'),
  unit('Subscription', 'onChange', 'Subscription.onChange.ts'),
  unit('Mutation', 'revoke', 'Mutation.revoke.ts'),
  pipeline('Mutation', 'pipe', 'Mutation.pipe', ['first', 'second', 'third'], true),
  pipeline('Query', 'pass', 'Query.pass', ['first', 'second'], false),
];

function invocation(typeName: string, fieldName: string, args: Record<string, unknown> = {}, identity: Invocation['identity'] = null): Invocation {
  return {
    arguments: args,
    source: null,
    identity,
    request: { headers: {}, domainName: null },
    env: { STAGE: 'test' },
    info: { fieldName, parentTypeName: typeName, variables: {}, selectionSetList: [], selectionSetGraphQL: '' },
  };
}

async function setup() {
  const ds = new MemDataSource();
  const lines: string[] = [];
  const executor = await createResolverExecutor({ wiring: WIRING, dataSources: { mem: ds }, log: (l) => lines.push(l) });
  return { ds, lines, executor };
}

describe('createResolverExecutor', () => {
  it('runs a unit resolver: request -> data source -> response, with stash, env and logs', async () => {
    const { ds, lines, executor } = await setup();
    expect(executor.has('Query', 'echo')).toBe(true);
    expect(executor.has('Query', 'nope')).toBe(false);
    const r = await executor.run('Query', 'echo', invocation('Query', 'echo', { id: 'f1' }));
    expect(r.errors).toEqual([]);
    expect(r.data).toEqual({ got: { op: 'echo', id: 'f1', auth: 'API Key Authorization', field: 'Query.echo' }, stashSeen: true, env: 'test' });
    expect(ds.calls[0]?.request).toEqual({ op: 'echo', id: 'f1', auth: 'API Key Authorization', field: 'Query.echo' });
    expect(ds.calls[0]?.context.stash).toEqual({ seen: true });
    expect(r.logs).toEqual(['[Query.echo] echo f1']);
    expect(lines).toContain('[Query.echo] echo f1');
  });

  it('reports the auth type from the identity', async () => {
    const { executor } = await setup();
    const identity = { sub: 'u1', issuer: 'iss', username: 'ann', claims: {}, sourceIp: [], defaultAuthStrategy: 'ALLOW' as const, groups: null };
    const r = await executor.run('Query', 'echo', invocation('Query', 'echo', { id: 'x' }, identity));
    expect((r.data as { got: { auth: string } }).got.auth).toBe('User Pool Authorization');
  });

  it('util.error aborts with message, errorType, data and errorInfo; appendError is kept', async () => {
    const { ds, executor } = await setup();
    const a = await executor.run('Query', 'errors', invocation('Query', 'errors', { mode: 'request' }));
    expect(a.data).toBeNull();
    expect(a.errors).toEqual([{ message: 'bad input', errorType: 'InvalidInput', data: { field: 'mode' }, errorInfo: { hint: 'x' } }]);
    expect(ds.calls).toHaveLength(0);

    const b = await executor.run('Query', 'errors', invocation('Query', 'errors', { mode: 'response' }));
    expect(b.data).toBeNull();
    expect(b.errors.map((e) => [e.message, e.errorType])).toEqual([
      ['first warning', 'Warning'],
      ['gone', 'NotFound'],
    ]);

    const c = await executor.run('Query', 'errors', invocation('Query', 'errors', { mode: 'none' }));
    expect(c.data).toEqual({ ok: true });
    expect(c.errors).toEqual([{ message: 'first warning', errorType: 'Warning', data: null, errorInfo: null }]);
  });

  it("util.unauthorized gives AppSync's Unauthorized error", async () => {
    const { executor } = await setup();
    const r = await executor.run('Query', 'errors', invocation('Query', 'errors', { mode: 'unauthorized' }));
    expect(r.data).toBeNull();
    expect(r.errors).toMatchObject([{ message: 'Not Authorized to access errors on type Query', errorType: 'Unauthorized' }]);
  });

  it('a run-time crash becomes a Code error, and the executor keeps serving', async () => {
    const { executor } = await setup();
    const r = await executor.run('Query', 'errors', invocation('Query', 'errors', { mode: 'crash' }));
    expect(r.data).toBeNull();
    const last = r.errors[r.errors.length - 1]!;
    expect(last.errorType).toBe(CODE_ERROR_TYPE);
    expect(last.message).toMatch(/TypeError/);
    const again = await executor.run('Query', 'errors', invocation('Query', 'errors', { mode: 'none' }));
    expect(again.data).toEqual({ ok: true });
  });

  it('a data-source error reaches ctx.error and is not raised unless the response does so', async () => {
    const { executor } = await setup();
    const r = await executor.run('Query', 'dsError', invocation('Query', 'dsError'));
    expect(r.errors).toEqual([]);
    expect(r.data).toEqual({ error: { message: 'boom', type: 'DynamoDB:ConditionalCheckFailedException' }, result: null });
  });

  it('runtime.earlyReturn in a unit request skips the data source and the response', async () => {
    const { ds, executor } = await setup();
    const r = await executor.run('Query', 'early', invocation('Query', 'early'));
    expect(r.data).toEqual({ early: true });
    expect(ds.calls).toHaveLength(0);
  });

  it('collects subscription filters and invalidations', async () => {
    const { executor } = await setup();
    const s = await executor.run('Subscription', 'onChange', invocation('Subscription', 'onChange', { folder: 'docs' }));
    expect(s.subscriptionFilter).toEqual({
      filterGroup: [
        {
          filters: [
            { fieldName: 'folder', operator: 'eq', value: 'docs' },
            { fieldName: 'kind', operator: 'in', value: ['a', 'b'] },
          ],
        },
      ],
    });
    expect(s.subscriptionInvalidationFilter).toEqual({ filterGroup: [{ filters: [{ fieldName: 'folder', operator: 'eq', value: 'docs' }] }] });
    const m = await executor.run('Mutation', 'revoke', invocation('Mutation', 'revoke', { folder: 'docs' }));
    expect(m.data).toBe(true);
    expect(m.invalidations).toEqual([{ subscriptionField: 'onChange', payload: { folder: 'docs' } }]);
  });

  describe('pipelines', () => {
    it('chains before -> functions -> after with ctx.prev.result and a shared stash', async () => {
      const { ds, executor } = await setup();
      const r = await executor.run('Mutation', 'pipe', invocation('Mutation', 'pipe'));
      expect(r.errors).toEqual([]);
      const one = { one: { got: { op: 'one', prev: { from: 'before' } } } };
      const two = { two: { got: { op: 'two' } }, prev: one };
      const three = { three: { got: { op: 'three' } }, prev: two };
      expect(r.data).toEqual({ last: three, trail: ['before', 'f1', 'f2', 'f3'] });
      expect(ds.calls.map((c) => c.context.prevResult)).toEqual([{ from: 'before' }, one, two]);
    });

    it('earlyReturn in a function skips its data source and response, then goes on', async () => {
      const { ds, executor } = await setup();
      const r = await executor.run('Mutation', 'pipe', invocation('Mutation', 'pipe', { stop: 'next' }));
      expect(ds.calls.map((c) => (c.request as { op: string }).op)).toEqual(['one', 'three']);
      expect((r.data as { last: { prev: unknown } }).last.prev).toEqual({ skipped: 'f2' });
    });

    it('earlyReturn with skipTo END goes straight to the pipeline response', async () => {
      const { ds, executor } = await setup();
      const r = await executor.run('Mutation', 'pipe', invocation('Mutation', 'pipe', { stop: 'end' }));
      expect(ds.calls).toHaveLength(1);
      expect(r.data).toEqual({ last: { ended: 'f2' }, trail: ['before', 'f1', 'f2'] });
    });

    it('earlyReturn in the pipeline request skips every function', async () => {
      const { ds, executor } = await setup();
      const r = await executor.run('Mutation', 'pipe', invocation('Mutation', 'pipe', { stop: 'before' }));
      expect(ds.calls).toHaveLength(0);
      expect(r.data).toEqual({ last: { from: 'before' }, trail: ['before'] });
    });

    it('util.error in a function aborts the pipeline', async () => {
      const { executor } = await setup();
      const r = await executor.run('Mutation', 'pipe', invocation('Mutation', 'pipe', { stop: 'error' }));
      expect(r.data).toBeNull();
      expect(r.errors).toMatchObject([{ message: 'third failed', errorType: 'Conflict' }]);
    });

    it('without pipeline.ts, runs the deployed default: the first function sees {}, the last result comes out', async () => {
      const { executor } = await setup();
      const r = await executor.run('Query', 'pass', invocation('Query', 'pass'));
      expect(r.data).toEqual({ two: { got: { op: 'two' } }, prev: { one: { got: { op: 'one', prev: {} } } } });
    });
  });

  it('refuses at start code that breaks the APPSYNC_JS rules, naming the file and rule', async () => {
    const err = await createResolverExecutor({ wiring: [unit('Query', 'bad', 'Query.bad.ts')], dataSources: { mem: new MemDataSource() }, log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResolverCodeError);
    expect((err as Error).message).toContain('Query.bad.ts:3');
    expect((err as Error).message).toContain('no-disallowed-unary-operators');
  });

  it('refuses an unknown data source', async () => {
    const err = await createResolverExecutor({ wiring: [{ ...unit('Query', 'echo', 'Query.echo.ts'), dataSource: 'nope' }], dataSources: {}, log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecutorConfigError);
  });
});
