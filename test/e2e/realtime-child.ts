/**
 * A separate Node process for realtime-failures.test.ts: what a user's app does (the SDK and the
 * sync engine, `ws` as the WebSocket) under the environment the test gives it — here, one without
 * NODE_EXTRA_CA_CERTS, which Node reads only at start-up. Prints one JSON line per observation.
 * argv: <amplify-config.json> <caCertPath> <email> <password> <fileId>
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { createApi, createSession, fromAmplifyConfig, type CraftSyncError } from '../../client/sdk/index.ts';
import { openFile } from '../../client/sync/index.ts';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
const [configPath, ca, email, password, fileId] = process.argv.slice(2) as [string, string, string, string, string];
const say = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
const wire = (e: CraftSyncError) => ({ name: e.name, errorType: e.errorType, message: e.message, errorInfo: { ...e.errorInfo } });

const session = createSession(fromAmplifyConfig(JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>, ca));
await session.signIn(email, password);
const api = createApi(session, { realtimeCheckMs: 500 });

// The SDK's own subscription first, then the engine on top of it.
const sdkError = await new Promise<CraftSyncError>((resolve) => {
  api.onFileChanged(fileId, { next: () => undefined, error: resolve, ready: () => say({ sdk: 'ready' }) });
});
say({ sdk: 'error', error: wire(sdkError) });

const file = await openFile(api, fileId, { retryMinMs: 100, retryMaxMs: 400 });
// The first failure may come before open() returns (listeners attach after): read the state, then
// watch a few retries (errors are reported once per cause, so none should follow).
const errors: CraftSyncError[] = [];
file.on('error', (e) => errors.push(e));
const end = Date.now() + 10_000;
while (!file.liveFailure && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
const seen = errors.length;
await new Promise((r) => setTimeout(r, 1_500));
say({ engine: 'down', version: file.version, isLive: file.isLive, liveFailure: file.liveFailure && wire(file.liveFailure), laterErrors: errors.length - seen });
await file.close();
process.exit(0);
