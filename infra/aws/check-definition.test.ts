import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverResolvers, WiringError } from '../wiring/discover.ts';
import type { ApiDefinition, ResolverWiring } from '../wiring/types.ts';
import { fixtureApi } from './fixtures/api.ts';
import { AppSyncApi } from './appsync-api.ts';
import { checkDefinition } from '../wiring/check.ts';
import { loadSchema } from '../wiring/schema.ts';
import { DataStores } from './data-stores.ts';
import { createCraftSyncStack } from './stack.ts';
import { startRuntime } from '../local/runtime.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A copy of the fixture API in a throwaway folder, with one more resolver file (if given). */
function fixtureWith(file?: string): ApiDefinition {
  const root = mkdtempSync(join(tmpdir(), 'craft-sync-def-'));
  dirs.push(root);
  cpSync(fixtureApi.root, root, { recursive: true });
  if (file) writeFileSync(join(root, 'resolvers', file), 'export function request() { return {}; }\nexport function response(ctx) { return ctx.result; }\n');
  return { ...fixtureApi, root };
}

/** Synthesizing the stack must fail, with `message`. */
async function expectSynthFails(def: ApiDefinition, message: RegExp): Promise<void> {
  const app = new App({ builtinCloudFormationValidation: false, outdir: mkdtempSync(join(tmpdir(), 'craft-sync-cdk-')) });
  dirs.push(app.outdir);
  await expect(createCraftSyncStack(app, 'Bad', { definition: def })).rejects.toThrow(message);
}

/** The local runtime must refuse to start on the same definition, with the same message, before any service starts. */
async function expectStartFails(def: ApiDefinition, message: RegExp): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'craft-sync-start-'));
  dirs.push(dataDir);
  const logs: string[] = [];
  const started = startRuntime({ api: def, dataDir, inMemory: true, port: 0, log: (l) => logs.push(l) });
  // Should it start after all, stop it before failing the test.
  void started.then(
    (r) => r.stop(),
    () => undefined,
  );
  await expect(started).rejects.toThrow(message);
  expect(logs).toEqual([]);
}

/** Both ways of running a definition refuse it, naming what is missing. */
async function expectBothFail(def: ApiDefinition, message: RegExp): Promise<void> {
  await expectSynthFails(def, message);
  await expectStartFails(def, message);
}

/** Building the construct from an explicit wiring must throw `message`. */
function expectConstructFails(def: ApiDefinition, wiring: ResolverWiring[], message: RegExp): void {
  const outdir = mkdtempSync(join(tmpdir(), 'craft-sync-cdk-'));
  dirs.push(outdir);
  const stack = new Stack(new App({ builtinCloudFormationValidation: false, outdir }), 'Bad');
  const resources = new DataStores(stack, 'Data', { definition: fixtureApi });
  expect(() => new AppSyncApi(stack, 'Api', { definition: def, wiring, schema: loadSchema(def), code: new Map(), resources, userPool: new UserPool(stack, 'Pool') })).toThrow(message);
}

describe("a wiring that names something missing fails synth (and the local runtime's start), naming it", () => {
  it('a resolver file for a field the schema does not have', async () => {
    await expectBothFail(fixtureWith('Query.nope.[none].ts'), /Query\.nope: type Query has no field "nope"/);
  });

  it('a resolver file for a type the schema does not have', async () => {
    await expectBothFail(fixtureWith('Ghost.field.[none].ts'), /no object type "Ghost"/);
  });

  it('a resolver file naming an undeclared data source', async () => {
    await expectBothFail(fixtureWith('Query.hello2.[ghost].ts'), /data source "ghost" is not declared/);
  });

  it('a declaration that drops a data source the resolvers use', async () => {
    const { events: _dropped, ...dataSources } = fixtureApi.dataSources;
    await expectBothFail({ ...fixtureApi, dataSources }, /Mutation\.addItem: data source "events" is not declared/);
  });

  it('a pipeline folder without any function file', async () => {
    const def = fixtureWith();
    mkdirSync(join(def.root, 'resolvers', 'Query.getItem2'));
    await expectBothFail(def, /Query\.getItem2: pipeline folder .*Query\.getItem2 has no N\.\[dataSource\]\.ts functions/);
  });

  it('a resolvers folder that does not exist', async () => {
    await expectBothFail({ ...fixtureApi, resolversDir: 'no-such-resolvers' }, /resolvers folder not found: .*no-such-resolvers/);
  });

  it('a wiring whose resolver file does not exist', () => {
    const wiring = discoverResolvers(fixtureApi).map((r) => (r.fieldName === 'hello' ? { ...r, file: join(fixtureApi.root, 'resolvers', 'Query.hello.[none].gone.ts') } : r));
    expectConstructFails(fixtureApi, wiring, /Query\.hello: resolver file not found: .*Query\.hello\.\[none\]\.gone\.ts/);
  });

  it('a wiring whose pipeline function file does not exist', () => {
    const wiring = discoverResolvers(fixtureApi).map((r) => (r.kind === 'PIPELINE' ? { ...r, functions: [{ ...r.functions[0]!, file: '/nowhere/1.validate.[none].ts' }] } : r));
    expectConstructFails(fixtureApi, wiring, /pipeline function file not found: \/nowhere\/1\.validate\.\[none\]\.ts/);
  });

  it('a wiring naming a data source the declaration lacks', () => {
    const wiring = discoverResolvers(fixtureApi).map((r) => (r.fieldName === 'hello' ? { ...r, dataSource: 'phantom' } : r));
    expectConstructFails(fixtureApi, wiring, /Query\.hello: data source "phantom" is not declared/);
  });

  it('a resolver whose code was not bundled', () => {
    expectConstructFails(fixtureApi, discoverResolvers(fixtureApi), /no bundled code for .*\.ts/);
  });

  it('a schema file that does not exist', async () => {
    await expectBothFail({ ...fixtureApi, schema: ['schema.graphql', 'missing.graphql'] }, /schema file not found: missing\.graphql/);
  });

  it('a Lambda handler file that does not exist', async () => {
    const dataSources = { ...fixtureApi.dataSources, presigner: { kind: 'LAMBDA' as const, handler: 'handlers/gone.ts' } };
    await expectBothFail({ ...fixtureApi, dataSources }, /data source "presigner": Lambda handler file not found: .*handlers\/gone\.ts/);
  });

  it('a data source naming an undeclared table stops synth and the local start alike', async () => {
    const items = { kind: 'DYNAMODB' as const, table: 'itemz' };
    await expectBothFail({ ...fixtureApi, dataSources: { ...fixtureApi.dataSources, items } }, /data source "items": table "itemz" is not declared/);
  });

  it("checkDefinition (run by synth and the local start) refuses a pipeline of more than 10 functions, AppSync's quota", () => {
    const wiring = discoverResolvers(fixtureApi);
    const pipe = wiring.find((r) => r.kind === 'PIPELINE')!;
    const eleven = { ...pipe, functions: Array.from({ length: 11 }, (_, i) => ({ ...pipe.functions[0]!, name: `${pipe.functions[0]!.name}_${i}` })) };
    expect(() =>
      checkDefinition(
        fixtureApi,
        wiring.map((r) => (r === pipe ? eleven : r)),
      ),
    ).toThrow(/has 11 functions; AppSync allows at most 10/);
    expect(() => checkDefinition(fixtureApi, wiring)).not.toThrow();
  });

  it('a data source, grant or environment variable naming an undeclared table, bucket or bus', () => {
    const wiring = discoverResolvers(fixtureApi);
    const items = { kind: 'DYNAMODB' as const, table: 'itemz' };
    expect(() => checkDefinition({ ...fixtureApi, dataSources: { ...fixtureApi.dataSources, items } }, wiring)).toThrow(/data source "items": table "itemz" is not declared/);
    const events = { kind: 'EVENTBRIDGE' as const, bus: 'nobus' };
    expect(() => checkDefinition({ ...fixtureApi, dataSources: { ...fixtureApi.dataSources, events } }, wiring)).toThrow(/event bus "nobus"/);
    const presigner = { kind: 'LAMBDA' as const, handler: 'handlers/presign.ts', grants: { buckets: ['attic'] } };
    expect(() => checkDefinition({ ...fixtureApi, dataSources: { ...fixtureApi.dataSources, presigner } }, wiring)).toThrow(/bucket "attic"/);
    expect(() => checkDefinition({ ...fixtureApi, environment: { LOST: { tableName: 'lost' } } }, wiring)).toThrow(/environment LOST: table "lost"/);
    expect(() => checkDefinition({ ...fixtureApi, environment: { '9x': 'v' } }, wiring)).toThrow(WiringError);
    const streamHandlers = [{ table: 'items', handler: 'handlers/presign.ts', grants: { objects: [{ bucket: 'cellar', read: [''] }] } }];
    expect(() => checkDefinition({ ...fixtureApi, streamHandlers }, wiring)).toThrow(/grants: bucket "cellar" is not declared/);
  });
});
