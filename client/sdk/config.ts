/**
 * Configuration from a file on disk (Node): the local runtime's amplify-config.json (with the CA named
 * by runtime.json beside it) or CDK outputs. The parsing itself is amplify-config.ts.
 */
import { readFileSync } from 'node:fs';
import { fromAmplifyConfig, fromCdkOutputs, type ClientConfig } from './amplify-config.ts';

export * from './amplify-config.ts';

/**
 * Reads a configuration file of either kind. Next to the local runtime's amplify-config.json sits
 * runtime.json, which names the CA that signed the runtime's certificate.
 */
export function loadConfigFile(path: string, stackName?: string): ClientConfig {
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  if ('API' in json) {
    let caCertPath: string | undefined;
    try {
      const runtime = JSON.parse(readFileSync(path.replace(/amplify-config\.json$/, 'runtime.json'), 'utf8')) as { caCertPath?: string };
      caCertPath = runtime.caCertPath;
    } catch {
      // Not the local runtime's file, or no runtime.json beside it: nothing to trust.
    }
    return fromAmplifyConfig(json, caCertPath);
  }
  return fromCdkOutputs(json, stackName);
}
