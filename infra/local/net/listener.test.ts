import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { ensureCertificate, type LocalCertificate } from './cert.ts';
import { listen, type Listener } from './listener.ts';
import { closedWithin, idleSocket, rawRequest, trickleHeaders } from './testing.ts';

let dir: string;
let cert: LocalCertificate;
let server: Listener;
const echo = new WebSocketServer({ noServer: true });
echo.on('connection', (ws, req) => ws.on('message', (m) => ws.send(`${req.socket.constructor.name === 'TLSSocket' ? 'wss' : 'ws'}:${String(m)}`)));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'listener-test-'));
  cert = await ensureCertificate(dir);
  server = await listen({
    port: 0,
    host: '127.0.0.1',
    tls: cert,
    onRequest: (req, res) => res.end(`${'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http'} ${req.method} ${req.url}`),
    onUpgrade: (req, socket, head) => {
      if (req.url === '/ws') echo.handleUpgrade(req, socket, head, (ws) => echo.emit('connection', ws, req));
      else socket.destroy();
    },
  });
});

afterAll(async () => {
  await server?.close();
  echo.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(url: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https') ? httpsRequest : httpRequest)(url, { agent: false, ...(ca ? { ca } : {}) }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function wsEcho(url: string, ca?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ca ? { ca } : {});
    ws.on('open', () => ws.send('ping'));
    ws.on('message', (m) => {
      resolve(String(m));
      ws.close();
    });
    ws.on('error', reject);
  });
}

describe('one port for HTTP and HTTPS', () => {
  it('serves plain HTTP and HTTPS (trusting the local CA) with the same handler', async () => {
    expect(await get(`http://127.0.0.1:${server.port}/graphql`)).toEqual({ status: 200, body: 'http GET /graphql' });
    expect(await get(`https://127.0.0.1:${server.port}/graphql`, cert.ca)).toEqual({ status: 200, body: 'https GET /graphql' });
    expect(await get(`https://localhost:${server.port}/x`, cert.ca)).toEqual({ status: 200, body: 'https GET /x' });
  });

  it('refuses TLS to a client that does not trust the CA', async () => {
    await expect(get(`https://127.0.0.1:${server.port}/`)).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });

  it('upgrades ws:// and wss:// through the one upgrade handler', async () => {
    expect(await wsEcho(`ws://127.0.0.1:${server.port}/ws`)).toBe('ws:ping');
    expect(await wsEcho(`wss://127.0.0.1:${server.port}/ws`, cert.ca)).toBe('wss:ping');
  });

  it('survives garbage, silence and abrupt closes', async () => {
    await new Promise<void>((resolve) => {
      const s = netConnect(server.port, '127.0.0.1', () => s.write(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0a, 0x0a])));
      s.on('close', () => resolve());
      s.on('error', () => resolve());
      s.resume();
    });
    await new Promise<void>((resolve) => {
      const s = netConnect(server.port, '127.0.0.1', () => s.end());
      s.on('close', () => resolve());
    });
    await new Promise<void>((resolve) => {
      // A TLS record header followed by nonsense.
      const s = netConnect(server.port, '127.0.0.1', () => s.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5])));
      s.on('close', () => resolve());
      s.on('error', () => resolve());
      s.resume();
    });
    expect((await get(`http://127.0.0.1:${server.port}/alive`)).body).toBe('http GET /alive');
  });
});

describe('hostile clients', () => {
  let strict: Listener;
  const logs: string[] = [];
  beforeAll(async () => {
    strict = await listen({
      port: 0,
      host: '127.0.0.1',
      tls: cert,
      limits: { headersTimeoutMs: 600, maxConnections: 4 },
      log: (l) => logs.push(l),
      onRequest: (req, res) => {
        if (req.url === '/throw') throw new Error('request handler threw');
        res.end('ok');
      },
      onUpgrade: () => {
        throw new Error('upgrade handler threw');
      },
    });
  });
  afterAll(async () => {
    await strict?.close();
  });
  const okRequest = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

  it('closes slow-header clients over HTTP and over TLS', async () => {
    const plain = await trickleHeaders(strict.port, { intervalMs: 150, maxMs: 15_000 });
    const tls = await trickleHeaders(strict.port, { intervalMs: 150, maxMs: 15_000, tls: { ca: cert.ca } });
    expect([plain.closed, tls.closed]).toEqual([true, true]);
    expect(plain.text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('drops a connection that sends nothing, before either server sees it', async () => {
    const silent = await idleSocket(strict.port);
    expect(await closedWithin(silent, 15_000)).toBe(true);
  });

  it('answers 500 when a handler throws and 4xx to malformed requests, and keeps serving on both schemes', async () => {
    expect((await rawRequest(strict.port, 'GET /throw HTTP/1.1\r\nHost: x\r\n\r\n')).status).toBe(500);
    expect((await rawRequest(strict.port, 'POST http://[/graphql HTTP/1.1\r\nHost: x\r\n\r\n')).status).toBe(400);
    expect((await rawRequest(strict.port, 'GET /throw HTTP/1.1\r\nHost: x\r\n\r\n', { tls: { ca: cert.ca } })).status).toBe(500);
    const upgrade = await rawRequest(strict.port, 'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    expect(upgrade.closedBy).toBe('server');
    expect(logs.join('\n')).toMatch(/request handler threw[\s\S]*upgrade handler threw/);
    expect((await rawRequest(strict.port, okRequest)).text).toMatch(/ok$/);
    expect((await rawRequest(strict.port, okRequest, { tls: { ca: cert.ca } })).text).toMatch(/ok$/);
  });

  it('caps connections, TLS ones included, and serves again once they go', async () => {
    const capped = await listen({
      port: 0,
      host: '127.0.0.1',
      tls: cert,
      limits: { maxConnections: 3, headersTimeoutMs: 60_000 },
      onRequest: (_q, r) => r.end('ok'),
      onUpgrade: (_q, s) => s.destroy(),
    });
    try {
      const secure = tlsConnect({ port: capped.port, host: '127.0.0.1', ca: cert.ca, servername: 'localhost' });
      secure.on('error', () => {});
      await new Promise<void>((r) => secure.once('secureConnect', () => r()));
      const held = [secure, await idleSocket(capped.port), await idleSocket(capped.port)];
      const extra = await idleSocket(capped.port);
      expect(await closedWithin(extra, 10_000)).toBe(true);
      expect(held.map((s) => s.destroyed)).toEqual([false, false, false]);
      for (const s of held) s.destroy();
      let answer = '';
      for (let i = 0; i < 50 && !answer.endsWith('ok'); i++) answer = (await rawRequest(capped.port, okRequest)).text;
      expect(answer).toMatch(/ok$/);
    } finally {
      await capped.close();
    }
  });
});

describe('close', () => {
  it('ends open connections and frees the port', async () => {
    const own = await listen({ port: 0, host: '127.0.0.1', tls: cert, onRequest: (_q, r) => r.end('ok'), onUpgrade: (_q, s) => s.destroy() });
    const idle = netConnect(own.port, '127.0.0.1');
    await new Promise<void>((r) => idle.once('connect', () => r()));
    const idleClosed = new Promise<void>((r) => idle.once('close', () => r()));
    await own.close();
    await idleClosed;
    const again = await listen({ port: own.port, host: '127.0.0.1', tls: cert, onRequest: (_q, r) => r.end('again'), onUpgrade: (_q, s) => s.destroy() });
    expect((await get(`http://127.0.0.1:${again.port}/`)).body).toBe('again');
    await again.close();
  });
});
