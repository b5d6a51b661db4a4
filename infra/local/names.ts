/**
 * The names the local runtime gives what it makes: taken from the API definition it serves, or
 * neutral ones. The runtime is generic, so no product's name is spelled here.
 */

/** The runtime's own neutral name (temporary directories, the local pool, the CA). */
export const RUNTIME_NAME = 'local-appsync';

/** Prefix of the environment variables the runtime reads for any API (`LOCAL_APPSYNC_NOTIFICATIONS`, ...). */
export const ENV_PREFIX = 'LOCAL_APPSYNC';

/** A name usable as one path segment: lower case, anything but letters, digits, `.`, `_`, `-` as `-`. */
export function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[.-]+/, '') || RUNTIME_NAME
  );
}

/** Where an API's local stack persists by default: `.<api name>` in the working directory (`.local-appsync` without one). */
export function defaultDataDir(apiName?: string): string {
  return `.${apiName ? slug(apiName) : RUNTIME_NAME}`;
}

/** The API name as an environment-variable prefix (`my-api` → `MY_API`). */
export function apiEnvPrefix(apiName: string): string {
  return apiName
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * A setting from the environment: `LOCAL_APPSYNC_<suffix>`, else `<API NAME>_<suffix>` (so an API
 * named `my-api` also reads `MY_API_<suffix>`, the names such a project's users may already set).
 * Returns the variable's name with its value, for messages that must say where a value came from.
 */
export function envSetting(env: NodeJS.ProcessEnv, suffix: string, apiName?: string): { name: string; value: string } | undefined {
  const names = [`${ENV_PREFIX}_${suffix}`, ...(apiName && apiEnvPrefix(apiName) ? [`${apiEnvPrefix(apiName)}_${suffix}`] : [])];
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return { name, value };
  }
  return undefined;
}
