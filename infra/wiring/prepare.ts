import { bundleResolverCode } from '../build/bundle.ts';
import { checkDefinition } from './check.ts';
import { discoverResolvers } from './discover.ts';
import type { LoadedSchema } from './schema.ts';
import type { ApiDefinition, ResolverWiring } from './types.ts';

/** Bundled APPSYNC_JS code by source file (absolute path), exactly as the local runtime runs it. */
export type ResolverCode = ReadonlyMap<string, string>;

/** A definition discovered, checked (its schema loaded once) and being bundled: what synth and the local runtime both start from. */
export interface PreparedApi {
  readonly definition: ApiDefinition;
  readonly wiring: ResolverWiring[];
  readonly schema: LoadedSchema;
  /** Every file the wiring names, bundled; started by prepareApi so it runs while other work goes on. */
  readonly code: Promise<ResolverCode>;
}

/** A PreparedApi whose code is bundled: what the CDK constructs are built from (they are synchronous). */
export type BundledApi = Omit<PreparedApi, 'code'> & { readonly code: ResolverCode };

/**
 * Discovers the resolver wiring, runs every synth-time check (throwing WiringError before anything
 * starts) and starts bundling the code once. The bundles land in bundleResolverCode's cache, so a
 * later bundleResolverCode of the same file in this process gets them without building again.
 */
export function prepareApi(definition: ApiDefinition): PreparedApi {
  const wiring = discoverResolvers(definition);
  const schema = checkDefinition(definition, wiring);
  const code = bundleWiring(wiring);
  // Marked handled here: a caller that never awaits it (its own bundling reports the same error) must not crash the process.
  code.catch(() => undefined);
  return { definition, wiring, schema, code };
}

/** prepareApi, waiting for the code. */
export async function bundleApi(definition: ApiDefinition): Promise<BundledApi> {
  const prepared = prepareApi(definition);
  return { ...prepared, code: await prepared.code };
}

/** Every file the wiring names, bundled. */
async function bundleWiring(wiring: ResolverWiring[]): Promise<ResolverCode> {
  const files = [...new Set(wiring.flatMap((r) => [r.file, ...r.functions.map((f) => f.file)]).filter((f): f is string => f !== undefined))];
  const code = await Promise.all(files.map((f) => bundleResolverCode(f)));
  return new Map(files.map((f, i) => [f, code[i]!]));
}
