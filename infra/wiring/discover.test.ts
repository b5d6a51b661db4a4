import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverResolvers, WiringError } from './discover.ts';
import type { ApiDefinition } from './types.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A resolvers folder with `files` (path → content) and an API declaring data sources a and b. */
function api(files: string[]): ApiDefinition {
  const root = mkdtempSync(join(tmpdir(), 'discover-'));
  dirs.push(root);
  for (const f of files) {
    const p = join(root, 'resolvers', f);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, 'export function request() { return {}; }\nexport function response() { return null; }\n');
  }
  mkdirSync(join(root, 'resolvers'), { recursive: true });
  return {
    name: 't',
    root,
    schema: [],
    resolversDir: 'resolvers',
    authentication: { default: 'API_KEY' },
    tables: {},
    dataSources: { a: { kind: 'NONE' }, b: { kind: 'NONE' } },
  } as unknown as ApiDefinition;
}

describe('discoverResolvers', () => {
  it('wires unit files and pipeline folders by name, in order, and ignores helpers and tests', () => {
    const def = api([
      'Query.get.[a].ts',
      'Mutation.save/pipeline.ts',
      'Mutation.save/10.audit.[b].ts',
      'Mutation.save/2.[a].ts',
      'Mutation.save/1.check-input.[b].ts',
      'Mutation.save/helpers.ts',
      'Mutation.save/1.check-input.test.ts',
      'lib/keys.ts',
      'Query.get.test.ts',
      'README.md',
    ]);
    const root = join(def.root, 'resolvers');
    expect(discoverResolvers(def)).toEqual([
      {
        typeName: 'Mutation',
        fieldName: 'save',
        kind: 'PIPELINE',
        file: join(root, 'Mutation.save/pipeline.ts'),
        functions: [
          { name: 'Mutation_save_1_check_input', order: 1, dataSource: 'b', file: join(root, 'Mutation.save/1.check-input.[b].ts') },
          { name: 'Mutation_save_2', order: 2, dataSource: 'a', file: join(root, 'Mutation.save/2.[a].ts') },
          { name: 'Mutation_save_10_audit', order: 10, dataSource: 'b', file: join(root, 'Mutation.save/10.audit.[b].ts') },
        ],
      },
      { typeName: 'Query', fieldName: 'get', kind: 'UNIT', dataSource: 'a', file: join(root, 'Query.get.[a].ts'), functions: [] },
    ]);
  });

  it('a pipeline without pipeline.ts has no file (the deployed default runs)', () => {
    const [w] = discoverResolvers(api(['Query.list/1.[a].ts']));
    expect(w).toMatchObject({ kind: 'PIPELINE', file: undefined, functions: [{ order: 1 }] });
  });

  it.each([
    [['Query.x/1.one.[a].ts', 'Query.x/1.two.[a].ts'], /two pipeline functions numbered 1/],
    [['Query.x.[a].ts', 'Query.x/1.[a].ts'], /Query\.x is wired twice/],
    [['Query.x/pipeline.ts'], /has no N\.\[dataSource\]\.ts functions/],
    [['Query.x.[nope].ts'], /data source "nope" is not declared in the API definition \(declared: a, b\)/],
  ])('refuses %j', (files, message) => {
    expect(() => discoverResolvers(api(files))).toThrow(WiringError);
    expect(() => discoverResolvers(api(files))).toThrow(message);
  });

  it('refuses a missing resolvers folder', () => {
    const def = api([]);
    expect(() => discoverResolvers({ ...def, resolversDir: 'nowhere' })).toThrow(/resolvers folder not found/);
  });
});
