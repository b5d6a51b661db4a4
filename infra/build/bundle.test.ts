import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleResolverCode, MAX_CODE_CHARS, ResolverCodeError } from './bundle.ts';

const dir = mkdtempSync(join(tmpdir(), 'bundle-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('bundleResolverCode', () => {
  it('inlines local helpers and keeps @aws-appsync/utils external', async () => {
    write('keys.ts', 'export const keyOf = (id: string): { pk: string } => ({ pk: `FILE#${id}` });\n');
    const file = write(
      'Query.getFile.[files].ts',
      `import { util } from '@aws-appsync/utils';\nimport { get } from '@aws-appsync/utils/dynamodb';\nimport { keyOf } from './keys.ts';\n` +
        `export function request(ctx: { args: { id: string } }) { return get({ key: keyOf(ctx.args.id ?? util.autoId()) }); }\n` +
        `export function response(ctx: { result: unknown }) { return ctx.result; }\n`,
    );
    const code = await bundleResolverCode(file);
    expect(code).toContain('from "@aws-appsync/utils"');
    expect(code).toContain('from "@aws-appsync/utils/dynamodb"');
    expect(code).toContain('FILE#');
    expect(code).not.toContain('./keys');
    expect(code).not.toContain('sourceMappingURL');
  });

  it('names the source file, rule and line of a violation, even inside a helper', async () => {
    write('loop.ts', 'export function spin(n: number): number {\n  let i = 0;\n  while (i < n) { i += 1; }\n  return i;\n}\n');
    const file = write(
      'Query.spin.[none].ts',
      `import { spin } from './loop.ts';\nexport function request() { return { n: spin(3) }; }\nexport function response(ctx: { result: unknown }) { return ctx.result; }\n`,
    );
    const err = await bundleResolverCode(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResolverCodeError);
    const e = err as ResolverCodeError;
    expect(e.file).toBe(file);
    expect(e.violations.map((v) => v.rule)).toEqual(['no-while']);
    expect(e.violations[0]?.source).toMatchObject({ file: join(dir, 'loop.ts'), line: 3 });
    expect(e.message).toContain('loop.ts:3');
    expect(e.message).toContain('[no-while]');
  });

  it(`refuses code over ${MAX_CODE_CHARS} characters`, async () => {
    const big = 'x'.repeat(MAX_CODE_CHARS);
    const file = write('Query.big.[none].ts', `export function request() { return { s: '${big}' }; }\nexport function response() { return null; }\n`);
    const err = (await bundleResolverCode(file).catch((e: unknown) => e)) as ResolverCodeError;
    expect(err).toBeInstanceOf(ResolverCodeError);
    expect(err.violations[0]?.rule).toBe('max-size');
    expect(err.message).toContain('Query.big.[none].ts');
  });

  it('reports a syntax error as a parse violation', async () => {
    const file = write('Query.broken.[none].ts', 'export function request( {\n');
    const err = (await bundleResolverCode(file).catch((e: unknown) => e)) as ResolverCodeError;
    expect(err).toBeInstanceOf(ResolverCodeError);
    expect(err.violations[0]?.rule).toBe('parse');
  });

  it('rebuilds when a helper changes, and reuses the bundle otherwise', async () => {
    const helper = write('value.ts', 'export const value = "first";\n');
    const file = write(
      'Query.value.[none].ts',
      `import { value } from './value.ts';\nexport function request() { return { value }; }\nexport function response(ctx: { result: unknown }) { return ctx.result; }\n`,
    );
    const a = await bundleResolverCode(file);
    expect(await bundleResolverCode(file)).toBe(a);
    writeFileSync(helper, 'export const value = "second";\n');
    const later = new Date(Date.now() + 5_000);
    utimesSync(helper, later, later);
    const b = await bundleResolverCode(file);
    expect(b).toContain('second');
  });
});
