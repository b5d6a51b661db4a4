import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleResolverCode } from '../build/bundle.ts';
import { discoverResolvers } from '../wiring/discover.ts';
import type { ApiDefinition, ResolverWiring } from '../wiring/types.ts';
import { api } from '../api.ts';
import { fixtureApi } from './fixtures/api.ts';
import { appSyncName } from './data-sources.ts';
import { DEFAULT_PIPELINE_CODE } from '../build/default-pipeline.ts';
import { synthStack, type CfnProps, type Synthesized } from './testing.ts';

type Props = CfnProps;
const getAttId = (v: unknown): string => (v as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

/** The deployed resolvers and functions must be exactly what the local runtime runs. */
describe.each([
  ['craft-sync', api],
  ['the fixture', fixtureApi],
] as Array<[string, ApiDefinition]>)('wiring of %s', (_name, def) => {
  let s: Synthesized;
  let wiring: ResolverWiring[];
  let resolvers: Record<string, Props>;
  let functions: Record<string, Props>;
  beforeAll(async () => {
    s = await synthStack(def);
    wiring = discoverResolvers(def);
    resolvers = Object.fromEntries(Object.values(s.resources('AWS::AppSync::Resolver')).map((r) => [`${r.Properties.TypeName}.${r.Properties.FieldName}`, r.Properties]));
    functions = Object.fromEntries(Object.entries(s.resources('AWS::AppSync::FunctionConfiguration')).map(([id, r]) => [id, r.Properties]));
  });
  afterAll(() => s.dispose());

  it('deploys one resolver per wired field and nothing else', () => {
    expect(Object.keys(resolvers).sort()).toEqual(wiring.map((r) => `${r.typeName}.${r.fieldName}`).sort());
    expect(Object.keys(functions)).toHaveLength(wiring.reduce((n, r) => n + r.functions.length, 0));
  });

  it('gives every resolver its kind, data source, runtime and the bundled code', async () => {
    for (const w of wiring) {
      const r = resolvers[`${w.typeName}.${w.fieldName}`]!;
      expect(r.Kind).toBe(w.kind);
      expect(r.Runtime).toEqual({ Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' });
      if (w.kind === 'UNIT') {
        expect(r.DataSourceName).toBe(appSyncName(w.dataSource!));
        expect(r.Code).toBe(await bundleResolverCode(w.file!));
      } else {
        expect(r.DataSourceName).toBeUndefined();
        expect(r.Code).toBe(w.file ? await bundleResolverCode(w.file) : DEFAULT_PIPELINE_CODE);
      }
    }
  });

  it("runs each pipeline's functions in file order with their data sources and bundled code", async () => {
    for (const w of wiring.filter((x) => x.kind === 'PIPELINE')) {
      const ids = (resolvers[`${w.typeName}.${w.fieldName}`]!.PipelineConfig.Functions as unknown[]).map(getAttId);
      expect(ids).toHaveLength(w.functions.length);
      for (const [i, f] of w.functions.entries()) {
        const fn = functions[ids[i]!]!;
        expect(fn.Name).toBe(f.name);
        expect(fn.DataSourceName).toBe(appSyncName(f.dataSource));
        expect(fn.Runtime).toEqual({ Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' });
        expect(fn.Code).toBe(await bundleResolverCode(f.file));
      }
    }
  });

  it('names data sources that exist in the template', () => {
    const declared = new Set(Object.values(s.resources('AWS::AppSync::DataSource')).map((d) => d.Properties.Name));
    const used = [...Object.values(resolvers).map((r) => r.DataSourceName), ...Object.values(functions).map((f) => f.DataSourceName)];
    for (const name of used.filter(Boolean)) expect(declared).toContain(name);
  });
});
