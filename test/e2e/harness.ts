import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime, type Runtime } from '../../infra/local/runtime.ts';
import type { ApiDefinition } from '../../infra/wiring/types.ts';
import type { NotificationsConfig } from '../../infra/local/services/notifications.ts';
import type { ServerLimits } from '../../infra/local/net/harden.ts';
import type { TokenLifetimes } from '../../infra/local/services/cognito-idp/tokens.ts';

export interface TestStack {
  runtime: Runtime;
  logs: string[];
  /** Signs a dev user in and returns its access token (creating the user first). */
  tokenFor(email: string, groups?: string[]): Promise<string>;
  stop(): Promise<void>;
}

export const PASSWORD = 'Passw0rd!local';

/** Starts the real runtime for `api` in a throwaway data directory on a free port. */
export async function startStack(
  api: ApiDefinition,
  opts: { keepAliveIntervalMs?: number; connectionInitTimeoutMs?: number; limits?: Partial<ServerLimits>; notifications?: NotificationsConfig; tokenLifetimes?: TokenLifetimes } = {},
): Promise<TestStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'craft-sync-e2e-'));
  const logs: string[] = [];
  const runtime = await startRuntime({
    api,
    dataDir,
    inMemory: true,
    port: 0,
    tlsDir: process.env.CRAFT_SYNC_TEST_TLS_DIR,
    keepAliveIntervalMs: opts.keepAliveIntervalMs,
    connectionInitTimeoutMs: opts.connectionInitTimeoutMs,
    limits: opts.limits,
    notifications: opts.notifications,
    tokenLifetimes: opts.tokenLifetimes,
    log: (l) => logs.push(l),
  });
  const tokens = new Map<string, string>();
  return {
    runtime,
    logs,
    async tokenFor(email, groups = []) {
      const hit = tokens.get(email);
      if (hit) return hit;
      await runtime.cognito!.createUser({ email, password: PASSWORD, groups });
      const { accessToken } = await runtime.cognito!.signIn(email, PASSWORD);
      tokens.set(email, accessToken);
      return accessToken;
    },
    async stop() {
      await runtime.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface GqlResponse {
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown> | null; errors?: Array<Record<string, unknown>> };
}

/** POSTs raw GraphQL to the runtime, as any HTTP client would. */
export async function gql(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<GqlResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as GqlResponse['body'] };
}
