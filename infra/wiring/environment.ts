import type { EnvValue } from './types.ts';

/**
 * Declared environment variables with each value resolved (`valueOf`: a declared resource's
 * deployed name in CDK, its local name in the local runtime). The one place both turn a declaration's
 * `environment` into strings.
 */
export function resolveEnvironment(vars: Record<string, EnvValue> | undefined, valueOf: (v: EnvValue) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(vars ?? {}).map(([k, v]) => [k, valueOf(v)]));
}
