import { describe, expect, it } from 'vitest';
import { checkAppSyncJsRules, type RuleId } from './rules.ts';

const rulesOf = (code: string): RuleId[] => checkAppSyncJsRules(code).map((v) => v.rule);

describe('checkAppSyncJsRules', () => {
  const cases: Array<[RuleId, string]> = [
    ['no-try', 'export function f() { try { return 1; } catch (e) { return 2; } }'],
    ['no-throw', 'export function f() { throw new Error("x"); }'],
    ['no-while', 'export function f(a) { while (a) { a = 0; } }'],
    ['no-while', 'export function f(a) { do { a = 0; } while (a); }'],
    ['no-for', 'export function f() { for (let i = 0; i < 3; i += 1) {} }'],
    ['no-continue', 'export function f(xs) { for (const x of xs) { if (x) continue; } }'],
    ['no-labels', 'export function f(xs) { outer: for (const x of xs) { break outer; } }'],
    ['no-disallowed-unary-operators', 'export function f(a) { a++; return a; }'],
    ['no-disallowed-unary-operators', 'export function f(a) { --a; return a; }'],
    ['no-disallowed-unary-operators', 'export function f(a) { return ~a; }'],
    ['no-in-operator', 'export function f(a) { return "x" in a; }'],
    ['no-instanceof', 'export function f(a) { return a instanceof Date; }'],
    ['no-classes', 'class A {} export const a = 1;'],
    ['no-classes', 'export const A = class {};'],
    ['no-async', 'export async function f() { return 1; }'],
    ['no-async', 'export const f = async () => 1;'],
    ['no-await', 'export async function f(p) { return await p; }'],
    ['no-promise', 'export function f() { return Promise.resolve(1); }'],
    ['no-generators', 'export function* f() { yield 1; }'],
    ['no-regex', 'export function f(s) { return s.replace(/a/g, "b"); }'],
    ['no-this', 'export function f() { return this; }'],
    ['no-new', 'export function f() { return new Map(); }'],
    ['no-new', 'export function f(C) { return new C(); }'],
    ['no-dynamic-import', 'export function f() { return import("fs"); }'],
    ['no-debugger', 'export function f() { debugger; }'],
    ['no-disallowed-import', 'import fs from "node:fs"; export const a = fs;'],
    ['no-recursion', 'export function f(n) { return n ? f(n - 1) : 0; }'],
    ['no-recursion', 'function a(n) { return b(n); } function b(n) { return n ? a(n - 1) : 0; } export { a };'],
    ['no-recursion', 'const g = (n) => (n ? g(n - 1) : 0); export { g };'],
    ['no-recursion', 'export function f(xs) { return xs.map((x) => f(x)); }'],
    ['parse', 'export function ( {'],
  ];
  it.each(cases)('reports %s for %s', (rule, code) => {
    expect(rulesOf(code)).toContain(rule);
  });

  it('accepts what the runtime supports', () => {
    const code = `
      import { util } from '@aws-appsync/utils';
      import * as ddb from '@aws-appsync/utils/dynamodb';
      function helper(x) { return { ...x, n: x.n ?? 0 }; }
      export function request(ctx) {
        const out = [];
        for (const x of ctx.args.items ?? []) { if (!x) break; out.push(helper(x)); }
        for (const k in ctx.args) { if (Object.hasOwn(ctx.args, k)) out.push(k); }
        switch (typeof ctx.args.a) { case 'string': break; default: break; }
        const d = new Date(0);
        const e = new Error('not thrown');
        const doubled = out.map((x) => helper(x)).filter((x) => x !== null);
        return ddb.get({ key: { id: util.autoId() }, extra: [d, e, doubled, -1, !true, void 0, 1 << 2] });
      }
      export function response(ctx) { return ctx.prev?.result ?? \`\${ctx.result}\`; }
    `;
    expect(checkAppSyncJsRules(code)).toEqual([]);
  });

  it('places each violation at its line and column', () => {
    const v = checkAppSyncJsRules('export function f(a) {\n  return a\n    ? 1\n    : ~a;\n}');
    expect(v).toEqual([{ rule: 'no-disallowed-unary-operators', message: 'the operator ~ is not supported', line: 4, column: 6 }]);
  });

  it('reports a Promise once even when constructed', () => {
    expect(rulesOf('export const p = new Promise(() => 1);')).toEqual(['no-promise']);
  });
});
