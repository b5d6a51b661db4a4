/**
 * A separate Node process for sdk-close.test.ts: an app that signs in, makes a query (and, with
 * `live`, subscribes), then lets go of the SDK by `close()` or `signOut()` and does nothing else.
 * It must exit by itself: nothing here calls process.exit. Prints one JSON line per step.
 * argv: <amplify-config.json> <caCertPath> <email> <password> <close|signOut> [live]
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { createApi, createSession, fromAmplifyConfig, insertContent } from '../../client/sdk/index.ts';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
const [configPath, ca, email, password, how, live] = process.argv.slice(2) as [string, string, string, string, 'close' | 'signOut', string | undefined];
const say = (o: Record<string, unknown>) => console.log(JSON.stringify(o));

const session = createSession(fromAmplifyConfig(JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>, ca));
await session.signIn(email, password);
const api = createApi(session);
const page = await api.listFiles({ limit: 10 });
say({ listed: page.items.length });
if (live) {
  const { fileId } = await insertContent(api, { name: 'live.txt', contentType: 'text/plain', encoding: 'TEXT', content: 'x' });
  await new Promise<void>((resolve, reject) => api.onFileChanged(fileId, { next: () => undefined, ready: resolve, error: reject }));
  say({ subscribed: fileId });
}
if (how === 'close') await api.close();
else await session.signOut();
say({ released: how });
