import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ApiDefinition, FunctionWiring, ResolverWiring } from './types.ts';

/** `Query.getFile.[files].ts` — a unit resolver on Query.getFile with the data source `files`. */
const UNIT = /^([A-Z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\.\[([A-Za-z0-9_-]+)\]\.(ts|js)$/;
/** `Mutation.modifyFile/` — a pipeline resolver folder. */
const PIPELINE_DIR = /^([A-Z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$/;
/** `2.commit.[files].ts` or `2.[files].ts` — a pipeline function, run in ascending N. */
const FUNCTION = /^(\d+)(?:\.([A-Za-z0-9_-]+))?\.\[([A-Za-z0-9_-]+)\]\.(ts|js)$/;
const PIPELINE_CODE = ['pipeline.ts', 'pipeline.js'];

export class WiringError extends Error {
  override name = 'WiringError';
}

/**
 * Reads the resolver wiring from the file tree. Files that match neither pattern (shared helpers,
 * tests, Lambda handlers) are ignored, so helpers can live beside the resolvers.
 */
export function discoverResolvers(def: ApiDefinition): ResolverWiring[] {
  const dir = resolve(def.root, def.resolversDir);
  if (!existsSync(dir)) throw new WiringError(`resolvers folder not found: ${dir}`);
  const out: ResolverWiring[] = [];
  for (const entry of readdirSync(dir).sort()) {
    if (entry.endsWith('.test.ts')) continue;
    const path = join(dir, entry);
    const unit = UNIT.exec(entry);
    if (unit && statSync(path).isFile()) {
      out.push({ typeName: unit[1]!, fieldName: unit[2]!, kind: 'UNIT', dataSource: unit[3]!, file: path, functions: [] });
      continue;
    }
    const pipe = PIPELINE_DIR.exec(entry);
    if (pipe && statSync(path).isDirectory()) {
      const [, typeName, fieldName] = pipe as unknown as [string, string, string];
      const functions: FunctionWiring[] = [];
      let file: string | undefined;
      for (const f of readdirSync(path).sort()) {
        if (f.endsWith('.test.ts')) continue;
        if (PIPELINE_CODE.includes(f)) {
          file = join(path, f);
          continue;
        }
        const fn = FUNCTION.exec(f);
        if (!fn) continue;
        const order = Number(fn[1]);
        if (functions.some((x) => x.order === order)) {
          throw new WiringError(`${typeName}.${fieldName}: two pipeline functions numbered ${order}`);
        }
        functions.push({
          name: `${typeName}_${fieldName}_${order}${fn[2] ? `_${fn[2].replace(/-/g, '_')}` : ''}`,
          order,
          dataSource: fn[3]!,
          file: join(path, f),
        });
      }
      if (functions.length === 0) throw new WiringError(`${typeName}.${fieldName}: pipeline folder ${path} has no N.[dataSource].ts functions`);
      functions.sort((a, b) => a.order - b.order);
      out.push({ typeName, fieldName, kind: 'PIPELINE', file, functions });
    }
  }
  const seen = new Set<string>();
  for (const r of out) {
    const key = `${r.typeName}.${r.fieldName}`;
    if (seen.has(key)) throw new WiringError(`${key} is wired twice (a unit file and a pipeline folder)`);
    seen.add(key);
    for (const ds of [r.dataSource, ...r.functions.map((f) => f.dataSource)]) {
      if (ds !== undefined && !def.dataSources[ds]) {
        throw new WiringError(`${key}: data source "${ds}" is not declared in the API definition (declared: ${Object.keys(def.dataSources).join(', ') || 'none'})`);
      }
    }
  }
  return out;
}
