import { describe, expect, it } from 'vitest';
import { ResolverSandbox, SandboxLoadError } from './sandbox.ts';

/** Runs `body` as a request handler; the code does not pass the rule checker, on purpose. */
async function run(body: string, timeoutMs?: number) {
  const code = `import { util } from '@aws-appsync/utils';\nexport function request(ctx) {\n${body}\n}\nexport function response(ctx) { return ctx.result; }\n`;
  const lines: string[] = [];
  const sb = await ResolverSandbox.create({ code, tag: 'Query.t', log: (l) => lines.push(l), timeoutMs });
  const r = sb.call({ handler: 'request', ctx: { args: {}, stash: {} }, typeName: 'Query', fieldName: 't', authType: 'API Key Authorization' });
  return { r, lines, sb };
}

describe('ResolverSandbox', () => {
  it('exposes no Node globals', async () => {
    const { r } = await run(
      `return { p: typeof process, r: typeof require, b: typeof Buffer, m: typeof module, s: typeof setTimeout, f: typeof fetch, g: Object.getOwnPropertyNames(globalThis).filter((n) => n.startsWith('__appsyncHost')) };`,
    );
    expect(r).toMatchObject({ outcome: 'return', value: { p: 'undefined', r: 'function', b: 'undefined', s: 'undefined', f: 'undefined', g: [] } });
  });

  it('its require only knows @aws-appsync/utils', async () => {
    const { r } = await run(`return require('fs');`);
    expect(r).toMatchObject({ outcome: 'crash', message: expect.stringContaining("Cannot find module 'fs'") });
  });

  it.each([
    ['the Function constructor through ctx', `return ctx.constructor.constructor('return process')();`],
    ['the Function constructor through util', `return util.autoId.constructor('return process')();`],
    ['the Function constructor through console', `return console.log.constructor('return globalThis')();`],
    ['eval', `return eval('1 + 1');`],
    ['the global object', `return globalThis.constructor.constructor('return process')();`],
    ["a function's prototype chain", `return Object.getPrototypeOf(function () {}).constructor('return process')();`],
    ['an arrow in ctx.args', `return (() => 1).constructor('return require')();`],
    ['the stash', `return ctx.stash.constructor.constructor('return this')();`],
  ])('refuses code generation via %s', async (_name, body) => {
    const { r } = await run(body);
    expect(r.outcome).toBe('crash');
    expect((r as { message: string }).message).toMatch(/EvalError|Code generation/);
  });

  it('gives `this` nothing to climb: it is undefined in resolver code', async () => {
    const { r } = await run(`return this.constructor.constructor('return process')();`);
    expect(r).toMatchObject({ outcome: 'crash', message: expect.stringMatching(/TypeError/) });
    const { r: t } = await run(`return typeof this;`);
    expect(t).toMatchObject({ outcome: 'return', value: 'undefined' });
  });

  it('reaches no file system or host module through any global', async () => {
    const { r } = await run(
      `return Object.getOwnPropertyNames(globalThis).filter((n) => ['process', 'require', 'module', 'exports', 'Buffer', 'fs', 'global', 'setImmediate', 'queueMicrotask', 'fetch', '__appsyncHost'].includes(n));`,
    );
    expect(r).toMatchObject({ outcome: 'return', value: [] });
  });

  it('refuses dynamic import', async () => {
    await expect(run(`return import('node:fs');`)).rejects.toThrow(SandboxLoadError);
  });

  it('has no Promise', async () => {
    const { r } = await run(`return typeof globalThis['Pro' + 'mise'];`);
    expect(r).toMatchObject({ outcome: 'return', value: 'undefined' });
  });

  it('freezes built-ins, so one call cannot poison the next', async () => {
    const { r } = await run(`Object.prototype.polluted = 1; return 1;`);
    expect(r).toMatchObject({ outcome: 'crash', message: expect.stringContaining('TypeError') });
  });

  it('freezes util', async () => {
    const { r } = await run(`util.autoId = () => 'fixed'; return 1;`);
    expect(r.outcome).toBe('crash');
  });

  it('stops a handler that runs too long', async () => {
    const { r } = await run(`for (;;) {}`, 50);
    expect(r).toMatchObject({ outcome: 'crash', message: expect.stringContaining('timed out') });
  });

  it('stops a for-of loop over an array the code keeps growing (the one endless loop APPSYNC_JS allows)', async () => {
    const { r } = await run(`const a = [1]; for (const x of a) { a.push(x); } return a.length;`, 50);
    expect(r).toMatchObject({ outcome: 'crash', message: expect.stringContaining('timed out') });
  });

  it.each([
    ['Array.from of a huge length', `return Array.from({ length: 4e9 }, (_, i) => i).length;`, /RangeError: Array.from of a length of 4000000000 exceeds the local runtime limit/],
    ['Array(n).fill', `return Array(2 ** 31).fill(0).length;`, /RangeError: Array.prototype.fill on a length of 2147483648 exceeds/],
    ['String.prototype.repeat', `return 'abc'.repeat(1e9).length;`, /RangeError: String.prototype.repeat to a length of 3000000000 exceeds/],
    ['String.prototype.padEnd', `return ''.padEnd(2 ** 30, 'x').length;`, /RangeError: String.prototype.padEnd/],
  ])('fails code that builds a huge value from nothing (%s) instead of exhausting the heap', async (_name, body, message) => {
    const { r } = await run(body);
    expect(r).toMatchObject({ outcome: 'crash', message: expect.stringMatching(message) });
  });

  it('still builds values up to the limit, and the wrapped built-ins behave as before', async () => {
    const { r } = await run(
      `return [Array.from({ length: 3 }, (_, i) => i * 2), Array(3).fill(7), Array.from('ab'), Array.from(new Set([1, 1, 2])), 'ab'.repeat(3), '5'.padStart(3, '0'), 'x'.padEnd(3, '-'), Array.from({ length: 1e6 }).length];`,
    );
    expect(r).toMatchObject({ outcome: 'return', value: [[0, 2, 4], [7, 7, 7], ['a', 'b'], [1, 2], 'ababab', '005', 'x--', 1e6] });
  });

  it('watches loop-free code that calls a callback over an array of its own making', async () => {
    const { r } = await run(`return Array.from({ length: 9e6 }, (_, i) => i).map((x) => Array.from({ length: 5 }, () => x)).length;`, 50);
    expect(r).toMatchObject({ outcome: 'crash', message: expect.stringContaining('timed out') });
  });

  it('tags console lines with the resolver', async () => {
    const { lines } = await run(`console.log('a', { b: 1 }); console.error('bad'); return null;`);
    expect(lines).toEqual(['[Query.t] a {"b":1}', '[Query.t] ERROR bad']);
  });

  it('keeps one module instance across calls', async () => {
    const code = `let n = 0;\nexport function request() { n += 1; return n; }\nexport function response() { return null; }\n`;
    const sb = await ResolverSandbox.create({ code, tag: 'Query.n', log: () => {} });
    const req = { handler: 'request' as const, ctx: { stash: {} }, typeName: 'Query', fieldName: 'n', authType: '' };
    expect(sb.call(req)).toMatchObject({ value: 1 });
    expect(sb.call(req)).toMatchObject({ value: 2 });
  });

  it('places a run-time error at its line and column in the deployed code (code.js:LINE:COL)', async () => {
    const code = `import { util } from '@aws-appsync/utils';\n\nexport function request(ctx) {\n  const id = util.autoId();\n  return ctx.args.missing.deeper + id;\n}\nexport function response(ctx) { return ctx.result; }\n`;
    const sb = await ResolverSandbox.create({ code, tag: 'Query.t', log: () => {} });
    const r = sb.call({ handler: 'request', ctx: { args: {}, stash: {} }, typeName: 'Query', fieldName: 't', authType: '' });
    expect(r).toMatchObject({ outcome: 'crash', message: expect.stringMatching(/^code\.js:5:27: TypeError: Cannot read properties of undefined \(reading 'deeper'\)$/) });
  });

  it('reports a value that is not JSON as a crash', async () => {
    const { r } = await run(`const a = {}; a.self = a; return a;`);
    expect(r.outcome).toBe('crash');
  });
});
