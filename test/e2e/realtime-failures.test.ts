/**
 * A real-time connection that cannot come up is a typed NetworkError naming the cause, from the SDK
 * (onFileChanged) and from the sync engine (`offline` / `error`, `liveFailure`, never live), and the
 * engine goes live once the cause is gone: no WebSocket in the runtime (Node 20), a certificate the
 * process does not trust (a child process without NODE_EXTRA_CA_CERTS), and nothing listening.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api as craftSync } from '../../infra/api.ts';
import { NetworkError, type Api, type CraftSyncError } from '../../client/sdk/index.ts';
import { openFile, type SyncedFile } from '../../client/sync/index.ts';
import { sdkUser, startProxy, waitFor, type Proxy } from './client-harness.ts';
import { PASSWORD, startStack, type TestStack } from './harness.ts';
import { freePort } from '../../infra/local/services/ports.ts';

let stack: TestStack;
let alice: { api: Api; sub: string };
let bob: { api: Api; sub: string };
const files: SyncedFile[] = [];
const proxies: Proxy[] = [];
const fast = { retryMinMs: 50, retryMaxMs: 300 };

beforeAll(async () => {
  stack = await startStack(craftSync);
  alice = await sdkUser(stack, 'alice@example.com');
  bob = await sdkUser(stack, 'bob@example.com');
});

afterAll(async () => {
  for (const f of files) await f.close();
  for (const p of proxies) await p.close();
  await stack?.stop();
});

/** A text file alice owns and bob edits. */
async function sharedFile(content: string): Promise<string> {
  const f = await alice.api.insertFile({ name: 'live.txt', contentType: 'text/plain', content, sha256: await sha(content) });
  await alice.api.shareFile({ fileId: f.fileId, userId: bob.sub, role: 'EDITOR' });
  return f.fileId;
}
const sha = async (s: string) => Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s))).toString('hex');

function subscriptionError(api: Api, fileId: string): Promise<CraftSyncError> {
  return new Promise((resolve, reject) => {
    const stop = api.onFileChanged(fileId, {
      next: () => undefined,
      ready: () => reject(new Error('went live')),
      error: (e) => {
        stop();
        resolve(e);
      },
    });
  });
}

async function open(api: Api, fileId: string): Promise<SyncedFile> {
  const f = await openFile(api, fileId, fast);
  files.push(f);
  return f;
}

describe('real-time failures are typed errors that name the cause', () => {
  it('no WebSocket in the runtime: NO_WEBSOCKET saying how to install one; the engine goes live once there is one', async () => {
    const fileId = await sharedFile('one\n');
    const g = globalThis as { WebSocket?: unknown };
    const saved = g.WebSocket;
    delete g.WebSocket;
    try {
      const err = await subscriptionError(alice.api, fileId);
      expect(err).toBeInstanceOf(NetworkError);
      expect(err.errorInfo.reason).toBe('NO_WEBSOCKET');
      expect(err.message).toContain('globalThis.WebSocket');
      expect(err.message).toContain("import WebSocket from 'ws'");

      const file = await open(alice.api, fileId);
      await waitFor(() => file.liveFailure !== undefined, 'the engine to report why it is not live');
      expect(file.liveFailure).toBeInstanceOf(NetworkError);
      expect(file.liveFailure!.errorInfo.reason).toBe('NO_WEBSOCKET');
      expect(file.isLive).toBe(false);
      expect(file.content).toBe('one\n'); // HTTP still works

      const live = new Promise<void>((r) => file.on('live', () => r()));
      g.WebSocket = saved; // the cause fixed: the engine's retry finds it
      await live;
      expect(file.isLive).toBe(true);
      expect(file.liveFailure).toBeUndefined();
      await bob.api.modifyFile({ id: fileId, baseVersion: 1, content: 'one\ntwo\n', sha256: await sha('one\ntwo\n'), requestId: crypto.randomUUID() });
      await waitFor(
        () => file.content === 'one\ntwo\n',
        "bob's change to arrive live",
        () => file.content,
      );
    } finally {
      g.WebSocket = saved;
    }
  });

  it('a certificate the process does not trust: CERT_UNTRUSTED naming the CA to set in NODE_EXTRA_CA_CERTS (child process without it)', async () => {
    const fileId = await sharedFile('secret\n');
    const script = fileURLToPath(new URL('./realtime-child.ts', import.meta.url));
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const child = spawn(process.execPath, ['--import', 'tsx', script, stack.runtime.amplifyConfigPath, stack.runtime.caCertPath, 'bob@example.com', PASSWORD, fileId], { env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code, err).toBe(0);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, never>);
    const sdk = lines.find((l) => l.sdk === 'error')?.error as { name: string; errorType: string; message: string; errorInfo: Record<string, unknown> } | undefined;
    expect(lines.some((l) => l.sdk === 'ready')).toBe(false);
    expect(sdk).toMatchObject({ name: 'NetworkError', errorType: 'Network', errorInfo: { reason: 'CERT_UNTRUSTED', caCertPath: stack.runtime.caCertPath } });
    expect(['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']).toContain(sdk!.errorInfo.code);
    expect(sdk!.message).toContain(`NODE_EXTRA_CA_CERTS=${stack.runtime.caCertPath}`);
    const engine = lines.find((l) => l.engine === 'down') as { isLive: boolean; version: number; liveFailure: { errorInfo: { reason: string } }; laterErrors: number } | undefined;
    // Never live, the cause kept while it retries (reported once, not per retry); HTTP still served it.
    expect(engine).toMatchObject({ isLive: false, version: 1, liveFailure: { errorInfo: { reason: 'CERT_UNTRUSTED' } }, laterErrors: 0 });
  });

  it('nothing listening: REFUSED from the SDK; the engine emits offline and the error, stays not live, and goes live when the port listens again', async () => {
    const closed = await freePort();
    const nowhere = await sdkUser(stack, 'carol@example.com', { endpoint: `http://127.0.0.1:${closed}/graphql` });
    const fileId = await sharedFile('a\n');
    const refused = await subscriptionError(nowhere.api, fileId);
    expect(refused).toBeInstanceOf(NetworkError);
    expect(refused.errorInfo.reason).toBe('REFUSED');
    expect(refused.message).toContain(`connection refused by 127.0.0.1:${closed}: nothing listens there`);

    // Bob reaches the runtime through a port the test closes and opens again.
    const target = Number(new URL(stack.runtime.graphqlUrl).port);
    let proxy = await startProxy(target);
    proxies.push(proxy);
    const port = proxy.port;
    const viaProxy = await sdkUser(stack, 'dave@example.com', { endpoint: `http://127.0.0.1:${port}/graphql` });
    await alice.api.shareFile({ fileId, userId: viaProxy.sub, role: 'EDITOR' });
    const file = await open(viaProxy.api, fileId);
    await waitFor(() => file.isLive, 'the file to go live');
    const offline: CraftSyncError[] = [];
    const errors: CraftSyncError[] = [];
    file.on('offline', (e) => offline.push(e.error));
    file.on('error', (e) => errors.push(e));

    await proxy.close();
    await waitFor(
      () => errors.some((e) => e.errorInfo.reason === 'REFUSED'),
      'a REFUSED error',
      () => errors.map((e) => e.message),
    );
    expect(offline.length).toBeGreaterThan(0);
    expect(offline[0]).toBeInstanceOf(NetworkError);
    expect(file.isLive).toBe(false);
    expect(file.liveFailure?.errorInfo.reason).toBe('REFUSED');

    proxy = await startProxy(target, port);
    proxies.push(proxy);
    await waitFor(
      () => file.isLive,
      'the file to go live again',
      () => file.liveFailure?.message,
    );
    expect(file.liveFailure).toBeUndefined();
    await alice.api.modifyFile({ id: fileId, baseVersion: 1, content: 'a\nb\n', sha256: await sha('a\nb\n'), requestId: crypto.randomUUID() });
    await waitFor(
      () => file.content === 'a\nb\n',
      "alice's change to arrive live",
      () => file.content,
    );
  });
});
