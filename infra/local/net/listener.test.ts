import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { ensureCertificate, type LocalCertificate } from './cert.ts';
import { listen, type Listener } from './listener.ts';

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
