/**
 * Signed-in SDK users for benches (each its own Amplify session, as in test/e2e/client-harness.ts),
 * and the WebSocket class Amplify gets in Node: `ws`, trusting the runtime's local CA, and counting
 * connections and subscription starts, so a bench can say how many sockets its subscriptions used.
 */
import { readFileSync } from 'node:fs';
import { ConsoleLogger } from 'aws-amplify/utils';
import WebSocket, { type ClientOptions } from 'ws';
import { createApi, createSession, fromAmplifyConfig, type Api } from '../../client/sdk/index.ts';
import type { Runtime } from '../../infra/local/runtime.ts';

export interface SdkUser {
  api: Api;
  sub: string;
  email: string;
}

export const sockets = { opened: 0, open: 0, maxOpen: 0, starts: 0 };

/** Installs the counting WebSocket (Node 20 has none; Amplify needs one for subscriptions). */
export function installWebSocket(caCertPath: string): void {
  const ca = readFileSync(caCertPath);
  class BenchWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[], opts?: ClientOptions) {
      super(url, protocols, { ...opts, ca });
      sockets.opened += 1;
      sockets.open += 1;
      sockets.maxOpen = Math.max(sockets.maxOpen, sockets.open);
      this.on('close', () => (sockets.open -= 1));
    }
    override send(data: unknown, ...rest: unknown[]): void {
      if (typeof data === 'string' && data.includes('"type":"start"')) sockets.starts += 1;
      (super.send as (...a: unknown[]) => void)(data, ...rest);
    }
  }
  (globalThis as { WebSocket?: unknown }).WebSocket = BenchWebSocket;
}

const PASSWORD = 'Passw0rd!bench';
// Amplify warns on every sign-in that the local issuer is a custom endpoint; 65 of those drown the figures.
ConsoleLogger.LOG_LEVEL = 'ERROR';

/** Creates and signs in `n` users, `concurrency` at a time (the local issuer is one process). */
export async function sdkUsers(runtime: Runtime, n: number, prefix: string, concurrency = 8): Promise<SdkUser[]> {
  const config = fromAmplifyConfig(runtime.amplifyConfig, runtime.caCertPath);
  const users: SdkUser[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      for (let i = next++; i < n; i = next++) {
        const email = `${prefix}-${i}@example.com`;
        await runtime.cognito!.createUser({ email, password: PASSWORD });
        const session = createSession(config);
        await session.signIn(email, PASSWORD);
        users[i] = { api: createApi(session), sub: (await session.currentUser()).sub, email };
      }
    }),
  );
  return users;
}
