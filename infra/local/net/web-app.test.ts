import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webAppHandler } from './web-app.ts';
import { rawRequest } from './testing.ts';

const config = { API: { GraphQL: { endpoint: 'http://127.0.0.1:4455/graphql', region: 'us-east-1' } }, Auth: { Cognito: { userPoolId: 'p' } } };
let root: string;
let server: Server;
let base: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'web-app-'));
  mkdirSync(join(root, 'web'));
  writeFileSync(join(root, 'web', 'index.html'), '<p>app</p>');
  writeFileSync(join(root, 'web', 'app.js'), 'export {};');
  writeFileSync(join(root, 'secret.txt'), 'not served');
  const handle = webAppHandler(join(root, 'web'), () => config);
  server = createServer((req, res) => {
    if (!handle(req, res)) res.writeHead(418).end('graphql');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(root, { recursive: true, force: true });
});

describe('webAppHandler', () => {
  it('redirects / to /app/ and serves the folder with content types', async () => {
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/app/']);
    const index = await fetch(`${base}/app/`);
    expect([index.status, index.headers.get('content-type'), await index.text()]).toEqual([200, 'text/html; charset=utf-8', '<p>app</p>']);
    const js = await fetch(`${base}/app/app.js`);
    expect([js.status, js.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect((await fetch(`${base}/app/missing.js`)).status).toBe(404);
  });

  it('serves the Amplify config as config.json (over plain http as written)', async () => {
    expect(await (await fetch(`${base}/app/config.json`)).json()).toEqual(config);
  });

  it('serves nothing outside its folder, encoded dot segments included', async () => {
    for (const path of ['/app/..%2fsecret.txt', '/app/%2e%2e/secret.txt', '/app/..%5csecret.txt']) {
      const res = await fetch(`${base}${path}`);
      // 404 from the handler, or (URL parsing resolved the dots: not under /app/) the next handler's answer.
      expect([404, 418], path).toContain(res.status);
      expect(await res.text()).not.toContain('not served');
    }
  });

  it('answers 400 to broken percent-escapes and keeps serving', async () => {
    for (const path of ['/app/%E0%A4%A', '/app/%', '/app/%zz.js', '/app/a%C0']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(400);
    }
    expect((await fetch(`${base}/app/`)).status).toBe(200);
  });

  it('leaves a request target it cannot read to the next handler instead of throwing', async () => {
    const out = await rawRequest(Number(new URL(base).port), 'GET http://[/app/ HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(out.status).toBe(418);
  });

  it('leaves every other path and method to the next handler', async () => {
    expect((await fetch(`${base}/graphql`, { method: 'POST', body: '{}' })).status).toBe(418);
    expect((await fetch(`${base}/app/`, { method: 'POST', body: '{}' })).status).toBe(418);
  });
});
