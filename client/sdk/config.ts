/**
 * Configuration from a file on disk (Node): the local runtime's amplify-config.json (with the CA named
 * by runtime.json beside it) or CDK outputs. The parsing itself is amplify-config.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fromAmplifyConfig, fromCdkOutputs, type ClientConfig } from './amplify-config.ts';
import { fromAmplifyOutputs, isAmplifyOutputs } from './amplify-outputs.ts';

export * from './amplify-config.ts';
export * from './amplify-outputs.ts';

/**
 * Reads a configuration file of any kind: an Amplify v6 configuration (the local runtime's
 * amplify-config.json), an Amplify Gen 2 amplify_outputs.json, or CDK outputs. Next to the local
 * runtime's files sits runtime.json, which names the CA that signed the runtime's certificate.
 */
export function loadConfigFile(path: string, stackName?: string): ClientConfig {
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  if (isAmplifyOutputs(json)) return fromAmplifyOutputs(json, localCa(path));
  if ('API' in json) return fromAmplifyConfig(json, localCa(path));
  return fromCdkOutputs(json, stackName);
}

function localCa(configPath: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dirname(configPath), 'runtime.json'), 'utf8')) as { caCertPath?: string }).caCertPath;
  } catch {
    // Not the local runtime's file, or no runtime.json beside it: nothing to trust.
    return undefined;
  }
}
