import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DataSourceCallContext } from '../appsync-js/types.ts';
import { createLocalFunction } from '../services/lambda/function.ts';
import { createLambdaDataSource } from './lambda.ts';

const modulePath = fileURLToPath(new URL('./fixtures/handler.ts', import.meta.url));
const call: DataSourceCallContext = {
  invocation: {
    arguments: { id: '1' },
    source: null,
    identity: null,
    request: { headers: { 'x-test': 'yes' }, domainName: null },
    info: { fieldName: 'f', parentTypeName: 'Query', variables: {}, selectionSetList: ['id'], selectionSetGraphQL: '{ id }' },
    env: {},
  },
  stash: { s: 1 },
  prevResult: { p: true },
};
const fn = createLambdaDataSource(createLocalFunction({ name: 'echo', modulePath, environment: { FIXTURE_MODE: 'local' }, timeoutMs: 2000 }));

describe('LAMBDA data source', () => {
  it('invokes the handler with the payload, a Lambda context and the declared environment; loads the module once', async () => {
    const a = await fn.invoke({ operation: 'Invoke', payload: { hello: 'world' } }, call);
    const b = await fn.invoke({ operation: 'Invoke', payload: { hello: 'again' } }, call);
    expect(a.error).toBeUndefined();
    const r = a.result as Record<string, unknown>;
    expect(r).toMatchObject({ event: { hello: 'world' }, loads: 1, modeAtLoad: 'local', mode: 'local', functionName: 'echo' });
    expect(r.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.remaining).toBeGreaterThan(0);
    expect('notJson' in r).toBe(false); // crossed the wire as JSON
    expect((b.result as { loads: number; requestId: string }).loads).toBe(1);
    expect((b.result as { requestId: string }).requestId).not.toBe(r.requestId);
  });

  it('sends the resolver context when the request has no payload', async () => {
    const out = await fn.invoke({ operation: 'Invoke' }, call);
    expect((out.result as { event: unknown }).event).toEqual({
      arguments: { id: '1' },
      identity: null,
      source: null,
      request: { headers: { 'x-test': 'yes' }, domainName: null },
      prev: { result: { p: true } },
      info: call.invocation.info,
      stash: { s: 1 },
    });
  });

  it('BatchInvoke sends the payloads of one field arriving together as one list, and gives each its own result', async () => {
    const other: DataSourceCallContext = { ...call, invocation: { ...call.invocation, info: { ...call.invocation.info, fieldName: 'g' } } };
    const outs = await Promise.all([
      fn.invoke({ operation: 'BatchInvoke', payload: { n: 1 } }, call),
      fn.invoke({ operation: 'BatchInvoke', payload: { n: 2 } }, call),
      fn.invoke({ operation: 'BatchInvoke', payload: { n: 3 } }, call),
      fn.invoke({ operation: 'BatchInvoke', payload: { n: 4 } }, other),
    ]);
    expect(outs).toEqual([
      { result: { batched: { n: 1 }, batchSize: 3 } },
      { result: { batched: { n: 2 }, batchSize: 3 } },
      { result: { batched: { n: 3 }, batchSize: 3 } },
      { result: { batched: { n: 4 }, batchSize: 1 } },
    ]);
    // A later request starts a new batch.
    expect(await fn.invoke({ operation: 'BatchInvoke', payload: { n: 5 } }, call)).toEqual({ result: { batched: { n: 5 }, batchSize: 1 } });
  });

  it('BatchInvoke: a list of the wrong length or a thrown error fails every request of the batch', async () => {
    const short = await Promise.all([fn.invoke({ operation: 'BatchInvoke', payload: { short: true } }, call), fn.invoke({ operation: 'BatchInvoke', payload: {} }, call)]);
    expect(short.map((o) => o.error?.type)).toEqual(['Lambda:Unhandled', 'Lambda:Unhandled']);
    expect(short[0]!.error?.message).toMatch(/list of 2 results/);
  });

  it('an Event invocation returns at once with a null result', async () => {
    expect(await fn.invoke({ operation: 'Invoke', invocationType: 'Event', payload: { n: 1 } }, call)).toEqual({ result: null });
  });

  it('a thrown error and a timeout become Lambda:Unhandled', async () => {
    expect(await fn.invoke({ operation: 'Invoke', payload: { fail: 'no luck' } }, call)).toEqual({ error: { message: 'no luck', type: 'Lambda:Unhandled' } });
    const slow = createLambdaDataSource(createLocalFunction({ name: 'slow', modulePath, environment: {}, timeoutMs: 50 }));
    expect(await slow.invoke({ operation: 'Invoke', payload: { sleepMs: 500 } }, call)).toEqual({ error: { message: 'Task timed out after 0.05 seconds', type: 'Lambda:Unhandled' } });
  });

  it('a malformed request or a module without a handler is an error, not a crash', async () => {
    expect((await fn.invoke({ payload: {} }, call)).error?.type).toBe('MappingTemplate');
    expect((await fn.invoke({ operation: 'Explode' }, call)).error?.message).toMatch(/Unsupported operation 'Explode'/);
    const broken = createLambdaDataSource(createLocalFunction({ name: 'broken', modulePath: fileURLToPath(new URL('./none.ts', import.meta.url)), environment: {} }));
    expect(await broken.invoke({ operation: 'Invoke', payload: {} }, call)).toEqual({ error: { message: expect.stringMatching(/does not export a function "handler"/), type: 'Lambda:Unhandled' } });
  });
});
