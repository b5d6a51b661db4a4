/**
 * AWS::Lambda::Function → a handler module the local runtime imports and calls in process (as it
 * does for declared Lambda data sources and stream handlers). Node.js functions only: the code is
 * the synthesized asset (or inline ZipFile); the `Handler` setting picks file and export. Any
 * other runtime gets a stand-in whose every call fails with a message saying it is not emulated.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EnvValue } from '../../wiring/types.ts';
import type { Assets } from './assets.ts';
import { isObject, TemplateError, type Intrinsics } from './intrinsics.ts';

export interface LoadedFunction {
  /** Absolute path of the module exporting `handler`. */
  handler: string;
  environment: Record<string, EnvValue>;
  description?: string;
}

export interface LambdaContext {
  outDir: string;
  assets: Assets;
  intrinsics: Intrinsics;
  /** A Ref to a loaded table, bucket or bus as an EnvValue; undefined for anything else. */
  envRef(v: unknown): EnvValue | undefined;
  notes: string[];
}

export function loadFunction(id: string, p: Record<string, unknown>, c: LambdaContext): LoadedFunction {
  const where = `AWS::Lambda::Function ${id}`;
  const dir = join(c.outDir, 'lambda', id);
  mkdirSync(dir, { recursive: true });
  const environment = functionEnvironment(id, p, c);
  const description = typeof p.Description === 'string' ? p.Description : undefined;
  const runtime = typeof p.Runtime === 'string' ? p.Runtime : undefined;
  if (!runtime?.startsWith('nodejs')) {
    const why = `Lambda function ${id} (runtime ${runtime ?? 'container image'}) is not emulated locally: only Node.js functions run, in process`;
    c.notes.push(why);
    return { handler: standIn(dir, why), environment, description };
  }
  const handlerSetting = c.intrinsics.str(p.Handler ?? 'index.handler', `${where} Handler`);
  const dot = handlerSetting.lastIndexOf('.');
  if (dot <= 0) throw new TemplateError(`${where}: Handler "${handlerSetting}" is not <file>.<export>`);
  const [file, exported] = [handlerSetting.slice(0, dot), handlerSetting.slice(dot + 1)];

  const code = isObject(p.Code) ? p.Code : {};
  let codeDir: string;
  if (typeof code.ZipFile === 'string') {
    codeDir = join(dir, 'inline');
    mkdirSync(codeDir, { recursive: true });
    writeFileSync(join(codeDir, `${file}.js`), code.ZipFile);
  } else if (code.S3Key !== undefined) {
    codeDir = c.assets.path(c.intrinsics.str(code.S3Key, `${where} Code.S3Key`), `${where} Code`);
    if (!statSync(codeDir).isDirectory()) throw new TemplateError(`${where}: the code asset ${codeDir} is a file; a Node.js function's asset is a folder`);
  } else {
    throw new TemplateError(`${where}: Code needs S3Bucket/S3Key (a cdk.out asset) or ZipFile; ImageUri functions are not emulated`);
  }

  const ext = ['.mjs', '.cjs', '.js'].find((e) => existsSync(join(codeDir, `${file}${e}`)));
  if (!ext) throw new TemplateError(`${where}: Handler "${handlerSetting}" needs ${file}.mjs, ${file}.cjs or ${file}.js in ${codeDir}`);
  let module = join(codeDir, `${file}${ext}`);
  // Lambda runs a .js file as CommonJS unless a package.json beside it says "module"; here it
  // would sit under the project's own package.json, so the code is copied out with its own.
  if (ext === '.js' && moduleType(codeDir) !== 'module') {
    const copy = join(dir, 'code');
    cpSync(codeDir, copy, { recursive: true });
    writeFileSync(join(copy, 'package.json'), '{ "type": "commonjs" }\n');
    module = join(copy, `${file}${ext}`);
  }
  // The runtime calls the export `handler`; the shim names the one `Handler` chose.
  const shim = join(dir, 'index.mjs');
  const url = pathToFileURL(module).href;
  writeFileSync(
    shim,
    [
      `import * as m from ${JSON.stringify(url)};`,
      `const fn = m[${JSON.stringify(exported)}] ?? m.default?.[${JSON.stringify(exported)}];`,
      `if (typeof fn !== 'function') throw new Error(${JSON.stringify(`${where}: ${module} exports no function "${exported}" (Handler ${handlerSetting})`)});`,
      'export const handler = fn;',
      '',
    ].join('\n'),
  );
  return { handler: shim, environment, description };
}

function functionEnvironment(id: string, p: Record<string, unknown>, c: LambdaContext): Record<string, EnvValue> {
  const vars = isObject(p.Environment) && isObject(p.Environment.Variables) ? p.Environment.Variables : {};
  const out: Record<string, EnvValue> = {};
  for (const [name, v] of Object.entries(vars)) {
    const ref = c.envRef(v);
    if (ref) {
      out[name] = ref;
      continue;
    }
    try {
      out[name] = c.intrinsics.str(v, `AWS::Lambda::Function ${id} Environment ${name}`);
    } catch (e) {
      c.notes.push(`${(e as Error).message}: variable left unset locally`);
    }
  }
  return out;
}

function moduleType(dir: string): string | undefined {
  const pkg = join(dir, 'package.json');
  if (!existsSync(pkg)) return undefined;
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type;
}

/** A handler that fails every call with `why`, so the field's `ctx.error` says it. */
export function standIn(dir: string, why: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'not-emulated.mjs');
  writeFileSync(file, `export async function handler() {\n  throw new Error(${JSON.stringify(why)});\n}\n`);
  return file;
}
