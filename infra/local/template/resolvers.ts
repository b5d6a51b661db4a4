/**
 * AWS::AppSync::Resolver and FunctionConfiguration → the file tree the runtime discovers
 * (infra/wiring/discover.ts): `Type.field.[dataSource].js` for a unit resolver, a `Type.field/`
 * folder of `N.name.[dataSource].js` functions (N its place in the pipeline) and `pipeline.js` for
 * a pipeline. The code is the deployed code (inline `Code`, or the asset behind `CodeS3Location`);
 * the runtime bundles and checks it as it does its own. VTL mapping templates are refused.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Assets } from './assets.ts';
import { isObject, TemplateError, type Intrinsics } from './intrinsics.ts';

export interface ResolverSources {
  dir: string;
  resolvers: Array<{ id: string; props: Record<string, unknown> }>;
  functions: Map<string, Record<string, unknown>>;
  intrinsics: Intrinsics;
  assets: Assets;
  /** A DataSourceName value (a literal or a GetAtt of a data source) → the data source's name. */
  dsName(v: unknown, where: string): string;
  notes: string[];
}

const TYPE = /^[A-Z_][A-Za-z0-9_]*$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function writeResolvers(s: ResolverSources): void {
  mkdirSync(s.dir, { recursive: true });
  const seen = new Set<string>();
  for (const { id, props: p } of s.resolvers) {
    const typeName = s.intrinsics.str(p.TypeName, `${id} TypeName`);
    const fieldName = s.intrinsics.str(p.FieldName, `${id} FieldName`);
    const field = `${typeName}.${fieldName}`;
    const where = `resolver ${field} (${id})`;
    if (!TYPE.test(typeName) || !FIELD.test(fieldName)) throw new TemplateError(`${where}: the local runtime wires types starting with an upper-case letter or _ and fields of letters, digits and _`);
    if (seen.has(field)) throw new TemplateError(`${where}: ${field} has two resolvers`);
    seen.add(field);
    const kind = p.Kind === undefined ? 'UNIT' : s.intrinsics.str(p.Kind, `${where} Kind`);
    if (p.MaxBatchSize !== undefined) s.notes.push(`${where}: MaxBatchSize is not applied (local batches are what one execution step resolves)`);
    if (p.CachingConfig !== undefined) s.notes.push(`${where}: caching is not emulated; every request runs the resolver`);
    if (p.SyncConfig !== undefined) s.notes.push(`${where}: SyncConfig (conflict detection) is not emulated`);
    if (kind === 'UNIT') {
      if (p.DataSourceName === undefined) throw new TemplateError(`${where}: a unit resolver without a data source is not emulated`);
      const ds = s.dsName(p.DataSourceName, `${where} DataSourceName`);
      const code = codeOf(p, where, s);
      if (code === undefined) throw new TemplateError(`${where}: no Code or CodeS3Location (direct Lambda resolvers are not emulated)`);
      writeFileSync(join(s.dir, `${field}.[${ds}].js`), code);
    } else if (kind === 'PIPELINE') {
      const folder = join(s.dir, field);
      mkdirSync(folder, { recursive: true });
      const code = codeOf(p, where, s);
      // Without code, the runtime's default pipeline code passes the arguments and the last result through.
      if (code !== undefined) writeFileSync(join(folder, 'pipeline.js'), code);
      const fns = isObject(p.PipelineConfig) && Array.isArray(p.PipelineConfig.Functions) ? p.PipelineConfig.Functions : [];
      if (fns.length === 0) throw new TemplateError(`${where}: PipelineConfig.Functions is empty`);
      fns.forEach((ref, i) => {
        const t = s.intrinsics.target(ref);
        const fp = t ? s.functions.get(t.id) : undefined;
        if (!t || !fp) throw new TemplateError(`${where}: PipelineConfig.Functions[${i}] must be a Fn::GetAtt of an AWS::AppSync::FunctionConfiguration of this API`);
        const fWhere = `function ${t.id} (in ${field})`;
        const name = s.intrinsics.str(fp.Name ?? t.id, `${fWhere} Name`).replace(/[^A-Za-z0-9_-]/g, '_');
        const ds = s.dsName(fp.DataSourceName, `${fWhere} DataSourceName`);
        const fcode = codeOf(fp, fWhere, s);
        if (fcode === undefined) throw new TemplateError(`${fWhere}: no Code or CodeS3Location`);
        if (fp.MaxBatchSize !== undefined) s.notes.push(`${fWhere}: MaxBatchSize is not applied`);
        writeFileSync(join(folder, `${i + 1}.${name}.[${ds}].js`), fcode);
      });
    } else throw new TemplateError(`${where}: Kind ${kind}`);
  }
}

/** APPSYNC_JS code of a resolver or function, or undefined when it has none; VTL is refused. */
function codeOf(p: Record<string, unknown>, where: string, s: ResolverSources): string | undefined {
  const vtl = ['RequestMappingTemplate', 'ResponseMappingTemplate', 'RequestMappingTemplateS3Location', 'ResponseMappingTemplateS3Location'].filter((k) => p[k] !== undefined);
  const runtime = isObject(p.Runtime) ? p.Runtime.Name : undefined;
  if (vtl.length || (runtime !== undefined && runtime !== 'APPSYNC_JS')) {
    throw new TemplateError(`${where}: VTL mapping templates (${vtl.join(', ') || `runtime ${String(runtime)}`}) are not emulated; the local runtime runs APPSYNC_JS code only`);
  }
  if (p.Code !== undefined) return s.intrinsics.str(p.Code, `${where} Code`);
  if (p.CodeS3Location !== undefined) {
    const url = s.intrinsics.str(p.CodeS3Location, `${where} CodeS3Location`);
    return readFileSync(s.assets.pathOfUrl(url, `${where} CodeS3Location`), 'utf8');
  }
  return undefined;
}
