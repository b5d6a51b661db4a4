import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHardenedServer, type ServerLimits } from './harden.ts';
import { closedWithin, idleSocket, rawRequest, trickleHeaders } from './testing.ts';

const logs: string[] = [];
const servers: Server[] = [];
let calls = 0;

async function start(limits: Partial<ServerLimits>): Promise<number> {
  const server = createHardenedServer(
    (req, res) => {
      calls += 1;
      if (req.url === '/throw') throw new Error('handler threw');
      if (req.url === '/reject') return Promise.reject(new Error('handler rejected'));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    },
    { limits, log: (l) => logs.push(l) },
  );
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

const get = (port: number, path: string) => rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);

let port: number;
beforeAll(async () => {
  port = await start({ headersTimeoutMs: 500 });
});
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

describe('guard', () => {
  it('answers 500 when the handler throws or rejects, logs it, and keeps serving', async () => {
    for (const path of ['/throw', '/reject']) {
      const failed = await get(port, path);
      expect(failed.status).toBe(500);
      expect(failed.text).toContain('"__type":"InternalFailure"');
      expect((await get(port, '/')).status).toBe(200);
    }
    expect(logs.join('\n')).toContain('handler threw');
    expect(logs.join('\n')).toContain('handler rejected');
  });

  it('answers 400 to a request target no URL parser reads, before the handler runs', async () => {
    const before = calls;
    const answer = await rawRequest(port, 'POST http://[/graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}');
    expect(answer.status).toBe(400);
    expect(calls).toBe(before);
    expect((await get(port, '/')).status).toBe(200);
  });

  it('answers 400 to bytes the HTTP parser refuses, and closes that socket', async () => {
    for (const junk of ['GARBAGE\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 'GET / HTTP/1.1\r\n\0\r\n\r\n']) {
      const answer = await rawRequest(port, junk);
      expect(answer.status, junk).toBe(400);
      expect(answer.closedBy).toBe('server');
    }
    expect((await get(port, '/')).status).toBe(200);
  });
});

describe('limits', () => {
  it('closes a client that sends one header at a time and never finishes', async () => {
    const slow = await trickleHeaders(port, { intervalMs: 150, maxMs: 15_000 });
    expect(slow.closed).toBe(true);
    expect(slow.text).toMatch(/^HTTP\/1\.1 408 /);
    expect((await get(port, '/')).status).toBe(200);
  });

  it('refuses connections beyond the cap and serves again once they go', async () => {
    const capped = await start({ maxConnections: 3, headersTimeoutMs: 60_000 });
    const held: Socket[] = [];
    for (let i = 0; i < 3; i++) held.push(await idleSocket(capped));
    const extra = await idleSocket(capped);
    expect(await closedWithin(extra, 10_000)).toBe(true);
    expect(held.map((s) => s.destroyed)).toEqual([false, false, false]);
    held[0]!.destroy();
    // The server learns of the close asynchronously: retry a bounded number of times.
    let status: number | undefined;
    for (let i = 0; i < 50 && status !== 200; i++) status = (await get(capped, '/')).status;
    expect(status).toBe(200);
    for (const s of held) s.destroy();
  });
});

describe('installLastResort', () => {
  it('logs an uncaught exception and an unhandled rejection, and the process keeps running', async () => {
    const harden = fileURLToPath(new URL('./harden.ts', import.meta.url));
    const script = `
      const { installLastResort } = await import(${JSON.stringify(harden)});
      installLastResort((l) => console.log(l));
      setTimeout(() => { throw new Error('thrown-late'); }, 10);
      Promise.reject(new Error('rejected-late'));
      setTimeout(() => { console.log('still running'); process.exit(0); }, 300);`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    expect(stdout).toMatch(/uncaught exception .*thrown-late/);
    expect(stdout).toMatch(/unhandled rejection .*rejected-late/);
    expect(stdout).toContain('still running');
  });
});
