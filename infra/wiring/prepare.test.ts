import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleResolverCode, ResolverCodeError } from '../build/bundle.ts';
import { fixtureApi } from '../aws/fixtures/api.ts';
import { discoverResolvers, WiringError } from './discover.ts';
import { prepareApi } from './prepare.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('prepareApi', () => {
  it('discovers, checks (the schema loaded once) and bundles every file the wiring names', async () => {
    const prepared = prepareApi(fixtureApi);
    expect(prepared.wiring).toEqual(discoverResolvers(fixtureApi));
    expect(prepared.schema.sdl).toBe(fixtureApi.schema.map((f) => readFileSync(join(fixtureApi.root, f), 'utf8')).join('\n'));
    expect(prepared.schema.schema.getQueryType()?.getFields().hello).toBeDefined();
    const files = [...new Set(prepared.wiring.flatMap((r) => [r.file, ...r.functions.map((f) => f.file)]).filter((f) => f !== undefined))].sort();
    const code = await prepared.code;
    expect([...code.keys()].sort()).toEqual(files);
    for (const f of files) expect(code.get(f), f).toBe(await bundleResolverCode(f));
  });

  it('throws a broken declaration at once, before any bundling', () => {
    expect(() => prepareApi({ ...fixtureApi, schema: ['schema.graphql', 'missing.graphql'] })).toThrow(WiringError);
  });

  it('rejects `code` for code AppSync would refuse, and a caller that never awaits it does not crash the process', async () => {
    const root = mkdtempSync(join(tmpdir(), 'craft-sync-prepare-'));
    dirs.push(root);
    cpSync(fixtureApi.root, root, { recursive: true });
    const file = join(root, 'resolvers', 'Query.hello.[none].ts');
    writeFileSync(file, 'export function request() { let i = 0; while (i < 3) { i += 1; } return {}; }\nexport function response(ctx) { return ctx.result; }\n');
    const prepared = prepareApi({ ...fixtureApi, root });
    // As the local runtime does: its own bundling of the file reports the error; `code` is left alone.
    await expect(bundleResolverCode(file)).rejects.toThrow(ResolverCodeError);
    // A turn of the event loop: an unhandled rejection of `code` would be reported (and fail the run) here.
    await new Promise((r) => setTimeout(r, 20));
    await expect(prepared.code).rejects.toThrow(/Query\.hello\.\[none\]\.ts: code breaks the APPSYNC_JS rules/);
  });
});
