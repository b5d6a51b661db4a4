/**
 * Hostile input against a running stack: seeded batches of generated raw HTTP requests (to the main
 * port over HTTP and TLS, S3, EventBridge, Cognito) and real-time frames, interleaved with valid
 * requests. After every batch: a valid request and a valid subscription still answer, no process died
 * (this runtime, DynamoDB Local's JVM), no server answered 5xx or logged an internal error, and the
 * files table changed only by the valid writes made (see fuzz-inputs.ts for why no generated request
 * can be a valid write).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../infra/api.ts';
import { rawRequest } from '../../infra/local/net/testing.ts';
import { diffText } from '../../client/patch/index.ts';
import { startStack, type TestStack } from './harness.ts';
import { GET, insertText, MODIFY, sha256, SHARE, user, type SyncUser } from './sync-client.ts';
import { RawClient } from '../../infra/local/realtime/testing/raw-client.ts';
import { fuzzFrame, fuzzRequest, type FuzzContext, type Target } from './fuzz-inputs.ts';

const SEED = 17_2026;
const BATCHES = 20;
const REQUESTS_PER_BATCH = 260;
const FRAMES_PER_BATCH = 250;
const CONCURRENCY = 12;

let stack: TestStack;
let alice: SyncUser;
let bob: SyncUser;
let ctx: FuzzContext;
let ca: string;
let jvmPid: number;
const ports = {} as Record<Target, number>;
/** The one file valid writes go to, and what it must hold. */
const written = { id: '', version: 0, content: '' };
let shared = '';

type Item = Record<string, AttributeValue>;
async function snapshot(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await stack.runtime.dynamodb.client.send(new ScanCommand({ TableName: stack.runtime.tableName('files'), ExclusiveStartKey, ConsistentRead: true }));
    for (const item of page.Items ?? []) out.set(`${item.pk!.S}|${item.sk!.S}`, JSON.stringify(item, Object.keys(item).sort()));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return out;
}

/** The pid of the DynamoDB Local JVM this process started (read from /proc, not from the runtime). */
function findJvm(port: string): number {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes('DynamoDBLocal') && cmd.includes(port)) return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  return 0;
}
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

/** A valid, authorized write: alice modifies her file by patch from the head she knows. */
async function validWrite(): Promise<void> {
  const next = `${written.content} edit ${written.version + 1}`;
  const body = await alice.call(MODIFY, {
    input: { id: written.id, baseVersion: written.version, patch: JSON.stringify(diffText(written.content, next)), sha256: sha256(next), requestId: randomUUID() },
  });
  expect(body.errors).toBeUndefined();
  written.version += 1;
  written.content = next;
}

async function pool<T>(items: T[], width: number, run: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (i < items.length) await run(items[i++]!);
    }),
  );
}

/** Sends frames on a few sockets (some initialised, some not); returns once all were written. */
async function sendFrames(frames: Array<string | Buffer>): Promise<void> {
  const host = new URL(stack.runtime.graphqlUrl).host;
  const sockets = await Promise.all(
    [0, 1, 2].map(async (n) => {
      const ws = new WebSocket(stack.runtime.realtimeUrl, ['graphql-ws', RawClient.headerProtocol({ Authorization: n === 2 ? 'forged' : ctx.strangerToken, host })], { ca });
      ws.on('error', () => {});
      await new Promise<void>((resolve) => {
        ws.once('open', () => resolve());
        ws.once('close', () => resolve());
      });
      if (n === 0 && ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'connection_init' }));
      return ws;
    }),
  );
  frames.forEach((f, i) => {
    const ws = sockets[i % sockets.length]!;
    if (ws.readyState === ws.OPEN) ws.send(f, { binary: Buffer.isBuffer(f) });
  });
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState !== ws.OPEN) return resolve();
          ws.once('close', () => resolve());
          ws.close();
          setTimeout(() => {
            ws.terminate();
            resolve();
          }, 5_000).unref();
        }),
    ),
  );
}

beforeAll(async () => {
  stack = await startStack(api);
  const url = stack.runtime.graphqlUrl;
  alice = user(url, await stack.tokenFor('fuzz-alice@example.com'));
  bob = user(url, await stack.tokenFor('fuzz-bob@example.com'));
  const mallory = await stack.tokenFor('fuzz-mallory@example.com');
  ca = readFileSync(stack.runtime.caCertPath, 'utf8');
  const f = await insertText(alice, 'fuzzed.txt', 'start');
  Object.assign(written, { id: f.id, version: f.version, content: 'start' });
  shared = (await insertText(alice, 'shared.txt', 'read only')).id;
  expect((await alice.call(SHARE, { input: { fileId: shared, userId: bob.sub, role: 'VIEWER' } })).errors).toBeUndefined();
  ctx = { fileIds: [written.id, shared], strangerToken: mallory };
  const port = (u: string) => Number(new URL(u).port);
  Object.assign(ports, {
    main: port(url),
    'main-tls': port(url),
    s3: port(stack.runtime.s3!.endpoint),
    events: port(stack.runtime.notifications!.eventsEndpoint),
    cognito: port(stack.runtime.cognito!.endpoint),
  });
  jvmPid = findJvm(new URL(stack.runtime.dynamodb.endpoint).port);
});

afterAll(async () => {
  await stack?.stop();
});

describe('fuzz', () => {
  it(`survives ${BATCHES * (REQUESTS_PER_BATCH + FRAMES_PER_BATCH)} generated requests and frames, changing only what valid requests change`, async () => {
    expect(jvmPid).toBeGreaterThan(0);
    const statuses = new Map<string, number>();
    const fiveHundreds: string[] = [];
    let before = await snapshot();
    for (let batch = 0; batch < BATCHES; batch++) {
      const requests = fc.sample(fuzzRequest(ctx), { seed: SEED + batch, numRuns: REQUESTS_PER_BATCH });
      const frames = fc.sample(fuzzFrame(ctx), { seed: SEED + 1000 + batch, numRuns: FRAMES_PER_BATCH });
      const writes = [validWrite];
      let done = 0;
      await Promise.all([
        pool(requests, CONCURRENCY, async (r) => {
          const answer = await rawRequest(ports[r.target], r.bytes, { tls: r.target === 'main-tls' ? { ca } : undefined, end: !r.complete, timeoutMs: 15_000 });
          const key = `${r.target} ${answer.status ?? answer.closedBy}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          // S3 answers well-formed requests for operations it does not serve with 501 NotImplemented, as S3 does.
          const notImplemented = r.target === 's3' && answer.status === 501 && answer.text.includes('<Code>NotImplemented<');
          if ((answer.status ?? 0) >= 500 && !notImplemented) fiveHundreds.push(`${key}: ${r.bytes.toString('latin1').slice(0, 300)} => ${answer.text.slice(0, 300)}`);
          // Valid writes land in the middle of the batch, among the hostile requests.
          if (++done === REQUESTS_PER_BATCH / 2) await writes.shift()!();
        }),
        sendFrames(frames),
      ]);

      // A valid request and a valid subscription still answer.
      const host = new URL(stack.runtime.graphqlUrl).host;
      const sub = await RawClient.open(stack.runtime.realtimeUrl, { auth: { Authorization: alice.token, host } });
      expect((await sub.init()).type).toBe('connection_ack');
      expect(
        (
          await sub.start(
            'live',
            'subscription($fileId: ID!) { onFileChanged(fileId: $fileId) { fileId version op author at sha256 patch } }',
            { fileId: written.id },
            { Authorization: alice.token, host },
          )
        ).type,
      ).toBe('start_ack');
      await validWrite();
      expect((await sub.next((m) => m.type === 'data')).payload).toMatchObject({ data: { onFileChanged: { version: written.version } } });
      sub.close();
      expect((await bob.call(GET, { id: shared })).data?.getFile).toMatchObject({ content: 'read only', version: 1 });

      // No process died.
      expect(alive(jvmPid)).toBe(true);
      expect(alive(process.pid)).toBe(true);

      // Only the valid writes changed data: every item of other files is as it was, and the written
      // file holds exactly its valid versions.
      const after = await snapshot();
      const others = (m: Map<string, string>) => [...m].filter(([k]) => !k.startsWith(`FILE#${written.id}|`)).sort(([a], [b]) => a.localeCompare(b));
      expect(others(after)).toEqual(others(before));
      const versions = [...after.keys()].filter((k) => k.startsWith(`FILE#${written.id}|V#`)).length;
      expect(versions).toBe(written.version);
      expect((await alice.call(GET, { id: written.id })).data?.getFile).toMatchObject({ version: written.version, content: written.content });
      before = after;
    }
    expect(fiveHundreds).toEqual([]);
    expect(stack.logs.filter((l) => /internal error|uncaught|unhandled/i.test(l))).toEqual([]);
    // Every generated request was answered or closed by the server, none left hanging.
    expect([...statuses].filter(([k]) => k.endsWith('timeout'))).toEqual([]);
    console.log(`fuzz outcomes: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  }, 120_000);
});
