/**
 * Bundles one resolver, pipeline function or pipeline.ts into the single ES module AppSync runs.
 * The CDK stack and the local runtime both call this, so they run byte-identical code; code that
 * AppSync would refuse (too large, or outside the APPSYNC_JS rules) is refused here with the file,
 * the rule and the line.
 */
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SourceMap } from 'node:module';
import { checkAppSyncJsRules, type RuleViolation } from './rules.ts';

/** AppSync's limit on a resolver's or function's code. */
export const MAX_CODE_CHARS = 32_768;

/** A violation, placed both in the bundled code (what AppSync sees) and, where known, in the source. */
export interface CodeViolation extends RuleViolation {
  /** Original file and 1-based line/column, from the bundle's source map. */
  source?: { file: string; line: number; column: number };
}

export class ResolverCodeError extends Error {
  override name = 'ResolverCodeError';
  constructor(
    readonly file: string,
    readonly violations: CodeViolation[],
  ) {
    const shown = violations
      .slice(0, 10)
      .map((v) => {
        const where = v.source ? `${v.source.file}:${v.source.line}:${v.source.column}` : `${file}:${v.line}:${v.column + 1}`;
        return `  ${where} (bundled line ${v.line}) [${v.rule}] ${v.message}`;
      })
      .join('\n');
    const more = violations.length > 10 ? `\n  ... and ${violations.length - 10} more` : '';
    super(`${file}: code breaks the APPSYNC_JS rules\n${shown}${more}`);
  }
}

interface CacheEntry {
  /** Every input file of the bundle with its mtime: a helper module's edit invalidates too. */
  inputs: Array<[string, number]>;
  code: string;
}
const cache = new Map<string, CacheEntry>();
/** Bundles under way, so that two callers of one file (prepareApi and the local executor) share one build. */
const inFlight = new Map<string, Promise<string>>();

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

/** Bundles `file` exactly as deployed and checks it; throws ResolverCodeError when AppSync would refuse it. */
export async function bundleResolverCode(file: string): Promise<string> {
  const abs = resolve(file);
  const hit = cache.get(abs);
  if (hit && hit.inputs.every(([p, t]) => mtime(p) === t)) return hit.code;
  let pending = inFlight.get(abs);
  if (!pending) {
    pending = bundle(abs).finally(() => inFlight.delete(abs));
    inFlight.set(abs, pending);
  }
  return pending;
}

async function bundle(abs: string): Promise<string> {
  let result = await bundleOnce(abs, false);
  let code = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? '';
  // A large pipeline function (modifyFile's commit attempts) goes out with short local names and no
  // indentation rather than split: AppSync counts characters, and the source map still places errors.
  if (code.length > MAX_CODE_CHARS) {
    result = await bundleOnce(abs, true);
    code = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? '';
  }
  const mapText = result.outputFiles.find((f) => f.path.endsWith('.map'))?.text;
  if (code.length > MAX_CODE_CHARS) {
    throw new ResolverCodeError(abs, [{ rule: 'max-size', message: `bundled code is ${code.length} characters; AppSync allows ${MAX_CODE_CHARS}`, line: 1, column: 0 }]);
  }
  const violations = checkAppSyncJsRules(code);
  if (violations.length > 0) throw new ResolverCodeError(abs, placeInSource(violations, mapText));

  const inputs = Object.keys(result.metafile.inputs).map((p): [string, number] => {
    const path = resolve(p);
    return [path, mtime(path)];
  });
  cache.set(abs, { inputs, code });
  return code;
}

async function bundleOnce(abs: string, minify: boolean) {
  try {
    return await build({
      entryPoints: [abs],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'esnext',
      external: ['@aws-appsync/utils', '@aws-appsync/utils/*'],
      // The map only places errors in the source; the deployed code carries no map.
      sourcemap: 'external',
      outdir: '/virtual-out',
      write: false,
      metafile: true,
      minifyWhitespace: minify,
      minifyIdentifiers: minify,
      logLevel: 'silent',
    });
  } catch (e) {
    const errors = (e as { errors?: Array<{ text: string; location?: { line: number; column: number } | null }> }).errors ?? [];
    const first = errors[0];
    throw new ResolverCodeError(abs, [{ rule: 'parse', message: first?.text ?? (e as Error).message, line: first?.location?.line ?? 1, column: first?.location?.column ?? 0 }]);
  }
}

function placeInSource(violations: RuleViolation[], mapText: string | undefined): CodeViolation[] {
  if (!mapText) return violations;
  const map = new SourceMap(JSON.parse(mapText) as ConstructorParameters<typeof SourceMap>[0]);
  return violations.map((v) => {
    const entry = map.findEntry(v.line - 1, v.column) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (entry.originalSource === undefined || entry.originalLine === undefined) return v;
    const file = entry.originalSource.startsWith('file://') ? new URL(entry.originalSource).pathname : resolve('/virtual-out', entry.originalSource);
    return { ...v, source: { file, line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 } };
  });
}
