/**
 * The to-do fixture's HTTP data source (declared as https://weather.example.com) pointed at a
 * loopback server started here (`httpEndpoints`), through the template path: the request as AWS
 * documents it reaches the server, `ctx.result` is `{ statusCode, headers, body }`,
 * util.http.copyHeaders forwards the caller's headers and util.http.addResponseHeader sets one on
 * the GraphQL response.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql } from '../../../test/e2e/harness.ts';
import { startRuntime, type Runtime } from '../runtime.ts';
import { loadTemplate } from './load.ts';

const dir = mkdtempSync(join(tmpdir(), 'craft-sync-template-http-'));
const seen: Array<{ method?: string; url?: string; headers: IncomingMessage['headers'] }> = [];
let server: Server;
let runtime: Runtime;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    const city = new URL(req.url!, 'http://x').searchParams.get('city');
    if (city === 'Atlantis') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such city');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', etag: '"w-1"' }).end(JSON.stringify({ city, tempC: 21.5 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const { api } = loadTemplate(join(import.meta.dirname, 'fixtures', 'todos', 'Todos.template.json'), { outDir: join(dir, 'api') });
  runtime = await startRuntime({
    api,
    dataDir: join(dir, 'data'),
    inMemory: true,
    port: 0,
    tlsDir: process.env.CRAFT_SYNC_TEST_TLS_DIR,
    httpEndpoints: { weather: `http://127.0.0.1:${port}` },
    log: () => {},
  });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  await new Promise((r) => server?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('an HTTP data source from a template, against a loopback server', () => {
  it('sends method, resourcePath, query and forwarded headers; answers from the body; sets a response header', async () => {
    const res = await gql(runtime.graphqlUrl, 'query { weather(city: "Lisbon") { city tempC } }', {}, { 'x-api-key': runtime.apiKey!, 'x-trace-id': 'trace-7' });
    expect(res.body).toEqual({ data: { weather: { city: 'Lisbon', tempC: 21.5 } } });
    expect(res.headers.get('x-weather-etag')).toBe('"w-1"');
    const req = seen.at(-1)!;
    expect(req.method).toBe('GET');
    expect(req.url).toBe('/v1/current?city=Lisbon&units=metric&units=si');
    // copyHeaders forwarded the caller's own headers; the client set host itself.
    expect(req.headers['x-trace-id']).toBe('trace-7');
    expect(req.headers['x-api-key']).toBe(runtime.apiKey);
    expect(req.headers.accept).toBe('application/json');
    expect(req.headers.host).toBe(`127.0.0.1:${(server.address() as AddressInfo).port}`);
  });

  it('gives a non-2xx answer to the resolver as ctx.result, not as an error', async () => {
    const res = await gql(runtime.graphqlUrl, 'query { weather(city: "Atlantis") { city } }', {}, { 'x-api-key': runtime.apiKey! });
    expect(res.body.data).toEqual({ weather: null });
    expect(res.body.errors?.[0]).toMatchObject({ message: 'no such city', errorType: 'Weather404' });
    expect(res.headers.get('x-weather-etag')).toBeNull();
  });
});
