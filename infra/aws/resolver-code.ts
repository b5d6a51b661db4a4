import { bundleResolverCode } from '../build/bundle.ts';
import type { ResolverWiring } from '../wiring/types.ts';

/** Bundled APPSYNC_JS code by source file (absolute path), exactly as the local runtime runs it. */
export type ResolverCode = ReadonlyMap<string, string>;

export { DEFAULT_PIPELINE_CODE } from '../build/default-pipeline.ts';

/** Every file the wiring names, bundled. Bundling is async, which is why stacks are built after it. */
export async function bundleWiring(wiring: ResolverWiring[]): Promise<ResolverCode> {
  const files = [...new Set(wiring.flatMap((r) => [r.file, ...r.functions.map((f) => f.file)]).filter((f): f is string => f !== undefined))];
  const code = await Promise.all(files.map((f) => bundleResolverCode(f)));
  return new Map(files.map((f, i) => [f, code[i]!]));
}
