/**
 * onFileChanged delivery latency through the local runtime: from the modifyFile HTTP response
 * (acknowledged) to each subscriber's `data` frame, with 1 and with 500 subscribers on one file
 * (500 raw wss subscriptions, 10 per connection over 50 connections). Subscribers, writer and
 * runtime share this process's event loop, as a developer's machine would. Baseline in the same
 * run: the modifyFile round trip itself. A negative latency means the event beat the HTTP response.
 * Run: npx tsx bench/subscription-latency.ts [edits per scenario, default 200]
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { ms, percentile } from './lib/stats.ts';
import { INSERT, MODIFY, sha256, startSyncStack, type BenchUser } from './lib/sync-stack.ts';

const EDITS = Number(process.argv[2] ?? 200);
const PER_CONNECTION = 10;
const SUB = 'subscription($fileId: ID!) { onFileChanged(fileId: $fileId) { fileId version op sha256 patch content } }';

const stack = await startSyncStack();
const { runtime } = stack;
const host = new URL(runtime.graphqlUrl).host;
const ca = readFileSync(runtime.caCertPath);
const sockets: WebSocket[] = [];

/** Arrival times (performance.now()) of each version, one entry per subscriber. */
type Arrivals = Map<number, number[]>;

/** Opens one connection with `count` onFileChanged subscriptions; resolves once all are acknowledged. */
async function connect(user: BenchUser, fileId: string, count: number, arrivals: Arrivals): Promise<void> {
  const auth = { Authorization: user.token, host };
  const ws = new WebSocket(runtime.realtimeUrl, ['graphql-ws', `header-${Buffer.from(JSON.stringify(auth)).toString('base64url')}`], { ca });
  sockets.push(ws);
  let acked = 0;
  await new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
    ws.on('message', (raw) => {
      const at = performance.now();
      const m = JSON.parse(raw.toString()) as { type: string; payload?: { data?: { onFileChanged?: { version: number } } } };
      if (m.type === 'connection_ack') {
        for (let i = 0; i < count; i += 1) {
          ws.send(JSON.stringify({ id: randomUUID(), type: 'start', payload: { data: JSON.stringify({ query: SUB, variables: { fileId } }), extensions: { authorization: auth } } }));
        }
      } else if (m.type === 'start_ack' && (acked += 1) === count) resolve();
      else if (m.type === 'error' || m.type === 'connection_error') reject(new Error(JSON.stringify(m)));
      else if (m.type === 'data') {
        const v = m.payload!.data!.onFileChanged!.version;
        (arrivals.get(v) ?? arrivals.set(v, []).get(v)!).push(at);
      }
    });
  });
}

async function scenario(owner: BenchUser, subscribers: number, edits: number) {
  const text0 = 'subscribe me\n';
  const d = await stack.gql(owner, INSERT, { input: { name: 'live.txt', contentType: 'text/plain', content: text0, sha256: sha256(text0), requestId: randomUUID() } });
  const fileId = (d.insertFile as { fileId: string }).fileId;
  const arrivals: Arrivals = new Map();
  const opened: Promise<void>[] = [];
  for (let left = subscribers; left > 0; left -= PER_CONNECTION) opened.push(connect(owner, fileId, Math.min(PER_CONNECTION, left), arrivals));
  await Promise.all(opened);

  const ack = new Map<number, number>();
  const sentAt = new Map<number, number>();
  const roundTrips: number[] = [];
  let text = text0;
  for (let version = 1; version <= edits; version += 1) {
    const next = `${text}+`;
    const sent = performance.now();
    await stack.gql(owner, MODIFY, { input: { id: fileId, baseVersion: version, patch: JSON.stringify({ v: 1, t: 'text', ops: [text.length, '+'] }), sha256: sha256(next), requestId: randomUUID() } });
    const acked = performance.now();
    ack.set(version + 1, acked);
    sentAt.set(version + 1, sent);
    roundTrips.push(acked - sent);
    text = next;
    // One change in flight at a time: wait for every subscriber before the next edit.
    const deadline = Date.now() + 30_000;
    while ((arrivals.get(version + 1)?.length ?? 0) < subscribers) {
      if (Date.now() > deadline) throw new Error(`version ${version + 1}: ${arrivals.get(version + 1)?.length ?? 0}/${subscribers} delivered`);
      await new Promise((r) => setImmediate(r));
    }
  }
  const all: number[] = [];
  const fromSend: number[] = [];
  const last: number[] = [];
  for (const [v, times] of arrivals) {
    const a = ack.get(v)!;
    for (const t of times) {
      all.push(t - a);
      fromSend.push(t - sentAt.get(v)!);
    }
    last.push(Math.max(...times) - a);
  }
  for (const ws of sockets.splice(0)) ws.close();
  const sort = (xs: number[]) => xs.sort((x, y) => x - y);
  return { all: sort(all), fromSend: sort(fromSend), last: sort(last), roundTrips: sort(roundTrips) };
}

try {
  const [owner] = (await stack.users(1)) as [BenchUser];
  console.log('warming up...');
  await scenario(owner, 50, 100);
  console.log(`onFileChanged delivery, ${EDITS} sequential edits per row, ack (HTTP response) -> data frame`);
  let single = 0;
  for (const subscribers of [1, 500]) {
    const r = await scenario(owner, subscribers, subscribers === 1 ? EDITS : Math.max(20, Math.floor(EDITS / 4)));
    const p50 = percentile(r.fromSend, 50);
    if (subscribers === 1) single = p50;
    console.log(
      `  ${String(subscribers).padStart(3)} subscriber${subscribers > 1 ? 's' : ' '}: every delivery p50 ${ms(percentile(r.all, 50))}, p99 ${ms(percentile(r.all, 99))}; last subscriber p50 ${ms(percentile(r.last, 50))}, p99 ${ms(percentile(r.last, 99))}`,
    );
    console.log(`                   baseline modifyFile round trip p50 ${ms(percentile(r.roundTrips, 50))}, p99 ${ms(percentile(r.roundTrips, 99))}`);
    console.log(
      `                   mutation sent -> data frame p50 ${ms(p50)}, p99 ${ms(percentile(r.fromSend, 99))}${subscribers > 1 ? `; p50 ratio vs 1 subscriber ${(p50 / single).toFixed(1)}x` : ''}`,
    );
  }
} finally {
  for (const ws of sockets) ws.close();
  await stack.stop();
}
