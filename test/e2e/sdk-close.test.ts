/**
 * An app using the SDK ends when it is done: after `api.close()` or `session.signOut()` nothing of
 * the SDK (sockets, timers, the real-time connection) keeps Node running. Each case runs an app in
 * its own process (sdk-close-child.ts) against the real local runtime and waits, bounded, for it to
 * exit by itself.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api as craftSync } from '../../infra/api.ts';
import { PASSWORD, startStack, type TestStack } from './harness.ts';

const CHILD = resolve('test/e2e/sdk-close-child.ts');
// Generous: the machine may be busy. A process held open by a handle never exits at all.
const EXIT_WITHIN_MS = 45_000;
let stack: TestStack;

beforeAll(async () => {
  stack = await startStack(craftSync);
  await stack.runtime.cognito!.createUser({ email: 'quinn@example.com', password: PASSWORD });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

function runApp(...how: string[]): Promise<{ exited: boolean; code: number | null; lines: Array<Record<string, unknown>>; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, stack.runtime.amplifyConfigPath, stack.runtime.caCertPath, 'quinn@example.com', PASSWORD, ...how], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: stack.runtime.caCertPath },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, EXIT_WITHIN_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const lines = stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      done({ exited: signal === null, code, lines, stderr });
    });
  });
}

describe('SDK release', () => {
  it.each([['close'], ['signOut']])(
    'after a query, %s() lets the process exit by itself',
    async (how) => {
      const r = await runApp(how);
      expect(r.lines, r.stderr).toEqual([{ listed: expect.any(Number) }, { released: how }]);
      expect(r.exited, 'the process was still running; killed').toBe(true);
      expect(r.code).toBe(0);
    },
    120_000,
  );

  it.each([['close'], ['signOut']])(
    'with a live subscription, %s() ends it and lets the process exit',
    async (how) => {
      const r = await runApp(how, 'live');
      expect(
        r.lines.map((l) => Object.keys(l)[0]),
        r.stderr,
      ).toEqual(['listed', 'subscribed', 'released']);
      expect(r.exited, 'the process was still running; killed').toBe(true);
      expect(r.code).toBe(0);
    },
    120_000,
  );
});
