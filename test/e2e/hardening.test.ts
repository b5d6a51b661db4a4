/**
 * Every server of a running stack against hostile clients, with short configured limits: slow
 * headers and malformed requests on the main port (HTTP and TLS), the S3, EventBridge and Cognito
 * endpoints; real-time sockets that never send connection_init. Waits are bounded, never timed.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../infra/api.ts';
import { INIT_TIMEOUT_CLOSE_CODE } from '../../infra/local/realtime/connection.ts';
import { rawRequest, trickleHeaders } from '../../infra/local/net/testing.ts';
import { startStack, type TestStack } from './harness.ts';
import { RawClient } from '../../infra/local/realtime/testing/raw-client.ts';

let stack: TestStack;
let token: string;
let ca: string;
const ports: Record<string, number> = {};

beforeAll(async () => {
  stack = await startStack(api, { limits: { headersTimeoutMs: 800 }, connectionInitTimeoutMs: 800, keepAliveIntervalMs: 200 });
  token = await stack.tokenFor('hardening@example.com');
  ca = readFileSync(stack.runtime.caCertPath, 'utf8');
  const port = (url: string) => Number(new URL(url).port);
  ports.main = port(stack.runtime.graphqlUrl);
  ports.s3 = port(stack.runtime.s3!.endpoint);
  ports.events = port(stack.runtime.notifications!.eventsEndpoint);
  ports.cognito = port(stack.runtime.cognito!.endpoint);
});

afterAll(async () => {
  await stack?.stop();
});

/** A request each server answers when it is healthy: a GraphQL query, a HEAD, an unsigned call. */
async function stillServes(): Promise<void> {
  const gql = await fetch(stack.runtime.graphqlUrl, {
    method: 'POST',
    headers: { authorization: token, 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ listFiles { items { id } } }' }),
  });
  expect(await gql.json()).toEqual({ data: { listFiles: { items: [] } } });
  // Unsigned: each endpoint refuses it in its own format, which proves it parsed and answered.
  expect((await fetch(`${stack.runtime.s3!.endpoint}/content/x`)).status).toBe(403);
  expect((await fetch(stack.runtime.notifications!.eventsEndpoint, { method: 'POST', body: '{}' })).status).toBe(400);
  expect((await fetch(`${stack.runtime.cognito!.jwksUri}`)).status).toBe(200);
}

describe('every server of the stack', () => {
  it.each(['main', 'main-tls', 's3', 'events', 'cognito'])('closes a client that trickles headers in (%s)', async (name) => {
    const tls = name === 'main-tls' ? { ca } : undefined;
    const slow = await trickleHeaders(ports[name.replace('-tls', '')]!, { intervalMs: 200, maxMs: 20_000, tls });
    expect(slow.closed).toBe(true);
    expect(slow.headersSent).toBeGreaterThan(0);
  });

  it.each(['main', 's3', 'events', 'cognito'])('answers malformed requests with 4xx and keeps serving (%s)', async (name) => {
    const port = ports[name]!;
    for (const raw of [
      'GET http://[/x HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n',
      'NOT HTTP AT ALL\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
    ]) {
      const answer = await rawRequest(port, raw);
      expect(answer.status, `${name}: ${JSON.stringify(raw)}`).toBeGreaterThanOrEqual(400);
      expect(answer.status, `${name}: ${JSON.stringify(raw)}`).toBeLessThan(500);
    }
    await stillServes();
  });
});

describe('real-time sockets', () => {
  it('closes a socket that never sends connection_init, and keeps one that did', async () => {
    const host = new URL(stack.runtime.graphqlUrl).host;
    const [silent, live] = await Promise.all([0, 1].map(() => RawClient.open(stack.runtime.realtimeUrl, { auth: { Authorization: token, host } })));
    await live!.init();
    // start without init is answered with an error and does not count as initialising.
    silent!.send({
      id: 'early',
      type: 'start',
      payload: { data: JSON.stringify({ query: 'subscription { onFileChanged(fileId: "x") { version } }' }), extensions: { authorization: { Authorization: token, host } } },
    });
    await expect(silent!.next(() => false, 0, 20_000)).rejects.toThrow(/socket closed \(4408\)/);
    expect(silent!.closeCode).toBe(INIT_TIMEOUT_CLOSE_CODE);
    // The initialised socket outlived it and still gets keep-alives.
    const from = live!.frames.length;
    await live!.next((m) => m.type === 'ka', from);
    expect(live!.closed).toBe(false);
    live!.close();
  });
});
