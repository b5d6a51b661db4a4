/**
 * The local Lambda service on its own: declared environment resolved over the service's, one
 * function per name, the handler's console lines returned with the outcome and sent to the log,
 * and every kind of failure a function error rather than an exception.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LocalLambda } from './service.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
const lines: string[] = [];
const lambda = new LocalLambda({
  root,
  resolveEnv: (v) => (typeof v === 'string' ? v : 'tableName' in v ? `local-${v.tableName}` : 'other'),
  environment: { AWS_REGION: 'eu-west-1', TABLE: 'from-the-service' },
  log: (l) => lines.push(l),
});
const fn = lambda.define('logger', { handler: 'fixtures/logger.ts', environment: { TABLE: { tableName: 'files' } } });

describe('local Lambda service', () => {
  it("invokes with the service's environment under the declared one (resolved to local names)", async () => {
    const out = await fn.invoke({ say: 'hi' });
    expect(out.result).toEqual({ said: 'hi', region: 'eu-west-1', table: 'local-files' });
    expect(lambda.define('logger', { handler: 'ignored.ts' })).toBe(fn);
    expect(lambda.get('logger')).toBe(fn);
  });

  it("returns the invocation's console lines and writes them to the log under the function's name", async () => {
    lines.length = 0;
    const out = await fn.invoke({ say: 'there' });
    expect(out.logs).toEqual(['got there', 'and an error line']);
    expect(lines).toEqual(['[logger] got there', '[logger] and an error line']);
  });

  it('a synchronous throw, a rejection with a non-Error and a missing module are function errors', async () => {
    expect(await fn.invoke({ throwNow: true })).toEqual({ error: { message: 'thrown before any await' }, logs: [] });
    expect((await fn.invoke({ say: 'x', rejectWith: { code: 7 } })).error).toEqual({ message: '{"code":7}' });
    const missing = lambda.define('missing', { handler: 'fixtures/nothing-here.ts' });
    expect((await missing.invoke({})).error?.message).toMatch(/nothing-here/);
  });

  it('an asynchronous invocation returns at once and logs a failure', async () => {
    lines.length = 0;
    fn.invokeAsync({ throwNow: true });
    await expect.poll(() => lines).toContainEqual('[logger] async invocation failed: thrown before any await');
  });
});
