/**
 * SDK clients against a test stack: each user its own session (its own Amplify context), optionally
 * through a TCP proxy the test can cut, to take one client offline while the others stay online.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import WebSocket from 'ws';
import { createApi, createSession, fromAmplifyConfig, withEndpoint, type Api } from '../../client/sdk/index.ts';
import { PASSWORD, type TestStack } from './harness.ts';

// Node 20 has no WebSocket; Amplify needs one (the only Node-specific step, as in amplify.test.ts).
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

export async function sdkUser(stack: TestStack, email: string, opts: { endpoint?: string } = {}): Promise<{ api: Api; sub: string }> {
  await stack.runtime.cognito!.createUser({ email, password: PASSWORD });
  let config = fromAmplifyConfig(stack.runtime.amplifyConfig);
  if (opts.endpoint) config = withEndpoint(config, opts.endpoint);
  const session = createSession(config);
  await session.signIn(email, PASSWORD);
  return { api: createApi(session), sub: (await session.currentUser()).sub };
}

/** A loopback TCP proxy to the runtime's port (HTTP and TLS pass through untouched). */
export interface Proxy {
  port: number;
  /** Drops every connection and refuses new ones. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number, port = 0): Promise<Proxy> {
  const sockets = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) return client.destroy();
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, detail?: () => unknown, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${detail ? `: ${JSON.stringify(detail())}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
