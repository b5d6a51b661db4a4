/**
 * The HTTP data source against loopback servers started here: the request as AWS documents it,
 * `{ statusCode, headers, body }` back for any status, redirects returned rather than followed,
 * malformed requests refused as MappingTemplate, and no call ever made to a non-loopback endpoint.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSourceCallContext } from '../appsync-js/types.ts';
import { createHttpDataSource, loopbackEndpoint } from './http.ts';

const call = {} as DataSourceCallContext;
let server: Server;
let base: string;
let last: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string } | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      last = { method: req.method, url: req.url, headers: req.headers, body };
      if (req.url === '/moved') return void res.writeHead(302, { location: 'http://example.com/' }).end();
      if (req.url === '/missing') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('nope');
      res.writeHead(201, { 'content-type': 'application/json', 'x-reply': 'yes' }).end(JSON.stringify({ ok: true }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 30_000);
afterAll(() => new Promise((r) => server.close(r)));

describe('HTTP data source', () => {
  it('sends method, path, query and headers, and gives back status, headers and body', async () => {
    const ds = createHttpDataSource({ name: 'api', endpoint: `${base}/` });
    const out = await ds.invoke({ method: 'POST', resourcePath: '/v1/items', params: { query: { q: 'a b', tag: ['x', 'y'] }, headers: { 'X-Caller': 'me' }, body: { name: 'n' } } }, call);
    expect(out).toEqual({ result: { statusCode: 201, headers: expect.objectContaining({ 'content-type': 'application/json', 'x-reply': 'yes' }), body: '{"ok":true}' } });
    expect(last).toMatchObject({ method: 'POST', url: '/v1/items?q=a+b&tag=x&tag=y', body: '{"name":"n"}' });
    expect(last!.headers).toMatchObject({ 'x-caller': 'me', 'content-type': 'application/json' });
  });

  it('sends a string body as it is', async () => {
    const ds = createHttpDataSource({ name: 'api', endpoint: base });
    await ds.invoke({ method: 'PUT', resourcePath: '/t', params: { headers: { 'Content-Type': 'text/plain' }, body: 'plain words' } }, call);
    expect(last).toMatchObject({ method: 'PUT', body: 'plain words', headers: expect.objectContaining({ 'content-type': 'text/plain' }) });
  });

  it('answers a 404 and a redirect as results, without following the redirect', async () => {
    const ds = createHttpDataSource({ name: 'api', endpoint: base });
    expect(await ds.invoke({ method: 'GET', resourcePath: '/missing' }, call)).toMatchObject({ result: { statusCode: 404, body: 'nope' } });
    const moved = await ds.invoke({ method: 'GET', resourcePath: '/moved' }, call);
    expect(moved).toMatchObject({ result: { statusCode: 302, headers: expect.objectContaining({ location: 'http://example.com/' }) } });
    expect(last!.url).toBe('/moved');
  });

  it('refuses malformed requests as MappingTemplate, sending nothing', async () => {
    const ds = createHttpDataSource({ name: 'api', endpoint: base });
    last = undefined;
    const bad = [
      { method: 'TRACE', resourcePath: '/' },
      { method: 'GET', resourcePath: 'no-slash' },
      { method: 'GET', resourcePath: '/', params: { headers: { Host: 'elsewhere' } } },
      { method: 'GET', resourcePath: '/', params: { headers: { 'x-n': 1 } } },
      { method: 'GET', resourcePath: '/', params: { query: { q: { nested: true } } } },
      { method: 'GET', resourcePath: '/', params: { body: 'a GET body' } },
      'not an object',
    ];
    for (const request of bad) expect((await ds.invoke(request, call)).error?.type).toBe('MappingTemplate');
    expect(last).toBeUndefined();
  });

  it('refuses a non-loopback endpoint with a message saying what to do, calling nothing', async () => {
    const ds = createHttpDataSource({ name: 'weather', endpoint: 'https://api.example.com' });
    const out = await ds.invoke({ method: 'GET', resourcePath: '/' }, call);
    expect(out.error).toEqual({ type: 'HTTP:EndpointNotLocal', message: expect.stringContaining('calls loopback endpoints only, not https://api.example.com') });
    expect(out.error!.message).toContain('--http-endpoint weather=http://127.0.0.1:PORT');
    expect(['http://127.0.0.1:1', 'http://[::1]:2', 'https://localhost', 'http://127.200.0.1'].map((e) => !!loopbackEndpoint(e))).toEqual([true, true, true, true]);
    expect(['http://10.0.0.1', 'http://127.0.0.1.example.com', 'ftp://127.0.0.1', 'http://0.0.0.0', 'not a url'].map((e) => !!loopbackEndpoint(e))).toEqual([false, false, false, false, false]);
  });

  it('reports a refused connection as ctx.error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const out = await createHttpDataSource({ name: 'api', endpoint: `http://127.0.0.1:${port}` }).invoke({ method: 'GET', resourcePath: '/' }, call);
    expect(out.error).toEqual({ type: 'HTTP:ConnectionFailed', message: expect.stringContaining('ECONNREFUSED') });
  });
});
