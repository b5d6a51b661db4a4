/**
 * What a "Network" failure tells a CLI user: which endpoint could not be reached and what to do.
 * Amplify's own message ("A network error has occurred.") names neither.
 */
import type { ClientConfig } from '../sdk/index.ts';

export function networkHint(config: ClientConfig | undefined, configFile: string | undefined): string {
  if (!config) return 'is the server running? (the local stack: `npm start`)';
  const api = config.amplify.API?.GraphQL?.endpoint;
  const pool = config.amplify.Auth?.Cognito?.userPoolEndpoint;
  const hosts = [...new Set([api, pool].filter((u): u is string => Boolean(u)).map(origin))];
  const where = hosts.length ? `could not reach ${hosts.join(' or ')}` : 'could not reach the server';
  const from = configFile ? ` (from ${configFile})` : '';
  return config.local
    ? `${where}${from}: is the local stack running? Start it with \`npm start\` (or \`craft-sync dev\`), then retry`
    : `${where}${from}: check the network, and that the stack is deployed (re-run \`craft-sync login --config outputs.json\` after a redeploy)`;
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
