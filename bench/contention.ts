/**
 * Many editors on ONE file (issue 14): N signed-in users, each with the SDK and the sync engine
 * (`openFile`, live), all on one shared file, each inserting a unique token at a random token boundary
 * and typing the next as soon as the previous edit is acknowledged (closed loop), for a fixed time
 * per N. Baseline in the same run: the same N editors each on a file of its own.
 *
 * Per row: acknowledged edits/s (all editors together), modifyFile calls per edit (the engine's calls,
 * counted by wrapping each Api's modifyFile here; HTTP attempts, which include Busy retries, from the
 * SDK's stats), getFileChanges per edit, ack latency (edit() called until its promise resolves) and
 * edit-to-other-replica latency (edit() called at A until A's token is in B's `content`, seen in B's
 * change events; B is the next editor on the shared file, or a viewer's replica where there is no
 * other editor). Afterwards every replica must equal the server's head and hold every acknowledged
 * token exactly once; otherwise the bench says so and exits 1.
 *
 * Everything runs in this process (runtime, editors), on loopback. Amplify keeps one real-time
 * provider per endpoint per process, so all subscriptions share one WebSocket (counted and printed).
 *
 * Run: BENCH_SECONDS=12 BENCH_EDITORS=1,4,16,64 npx tsx bench/contention.ts
 */
import { cpus, loadavg } from 'node:os';
import type { Api } from '../client/sdk/index.ts';
import { sha256Hex, TooLargeError } from '../client/sdk/index.ts';
import { openFile, type SyncedFile } from '../client/sync/index.ts';
import { MAX_SUBSCRIPTIONS_PER_CONNECTION } from '../infra/local/realtime/connection.ts';
import { installWebSocket, sdkUsers, sockets, type SdkUser } from './lib/editors.ts';
import { ms, percentile } from './lib/stats.ts';
import { startSyncStack } from './lib/sync-stack.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 12);
const EDITORS = (process.env.BENCH_EDITORS ?? '1,4,16,64').split(',').map(Number);
const MAX_EDITORS = 64;
// A loop still waiting this long after its deadline is stuck: say so rather than hang.
const OVERRUN_MS = 120_000;
const SETTLE_MS = 60_000;
if (!(SECONDS > 0 && SECONDS <= 120) || EDITORS.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_EDITORS)) {
  console.error(`BENCH_SECONDS must be in (0, 120] and BENCH_EDITORS integers in 1..${MAX_EDITORS}; got ${SECONDS} / ${EDITORS.join(',')}`);
  process.exit(2);
}

// Deterministic token positions from run to run (mulberry32).
let seed = 14;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/** A random position where a token may go without splitting another: the start, or after a space. */
function boundary(text: string): number {
  const spots = [0];
  for (let i = text.indexOf(' '); i >= 0; i = text.indexOf(' ', i + 1)) spots.push(i + 1);
  return spots[Math.floor(random() * spots.length)]!;
}

const SEED_TEXT = 'lorem ipsum dolor sit amet consectetur adipiscing elit '.repeat(4);

const counters = { modifyCalls: 0 };
/** Counts the sync engine's modifyFile calls on this Api (the bench's only hook, on the client side). */
function countModify(api: Api): void {
  const real = api.modifyFile.bind(api);
  api.modifyFile = (input) => {
    counters.modifyCalls += 1;
    return real(input);
  };
}

interface Row {
  n: number;
  layout: 'one file' | 'separate files';
  acked: number;
  elapsedMs: number;
  editsPerSec: number;
  callsPerEdit: number;
  httpPerEdit: number;
  catchUpsPerEdit: number;
  ack: number[];
  remote: number[];
  remoteTo: string;
  errors: string[];
  setupMs: number;
  /** This process's CPU time over the row's wall time (runtime and editors share it). */
  cpu: number;
}

class NotMeasurable extends Error {}

const stack = await startSyncStack();
installWebSocket(stack.runtime.caCertPath);
let failed = false;

async function newFile(owner: SdkUser, name: string, shareWith: Array<{ user: SdkUser; role: 'EDITOR' | 'VIEWER' }>): Promise<string> {
  const change = await owner.api.insertFile({ name, contentType: 'text/plain', content: SEED_TEXT, sha256: await sha256Hex(SEED_TEXT) });
  for (const s of shareWith) await owner.api.shareFile({ fileId: change.fileId, userId: s.user.sub, role: s.role });
  return change.fileId;
}

/** Opens replicas one after another, each live before the next (see the note on `ready` in the report). */
async function openLive(api: Api, fileId: string): Promise<SyncedFile> {
  const f = await openFile(api, fileId);
  if (!f.isLive) {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`replica of ${fileId} not live after 20 s`)), 20_000);
      f.on('live', () => {
        clearTimeout(t);
        resolve();
      });
      // E.g. MaxSubscriptionsReachedError: this process's one socket already carries its limit.
      f.on('error', (e) => {
        clearTimeout(t);
        reject(new Error(`replica of ${fileId} could not subscribe: ${e.name}: ${e.message}`));
      });
    });
  }
  return f;
}

async function scenario(editors: SdkUser[], viewer: SdkUser, layout: Row['layout'], seconds: number): Promise<Row> {
  const n = editors.length;
  const setupStarted = performance.now();
  // Who edits which file, and in whose replica each editor's tokens are watched.
  const replicas: SyncedFile[] = [];
  const editorFiles: SyncedFile[] = [];
  const watcherOf: Array<SyncedFile | undefined> = [];
  const fileIds: string[] = [];
  if (layout === 'one file') {
    // The API caps a file's active members (TooLarge); above the cap the row cannot be measured.
    const fileId = await newFile(editors[0]!, 'shared.txt', [
      ...editors.slice(1).map((user) => ({ user, role: 'EDITOR' as const })),
      ...(n === 1 ? [{ user: viewer, role: 'VIEWER' as const }] : []),
    ]).catch((e: unknown) => {
      if (e instanceof TooLargeError) throw new NotMeasurable(`sharing one file with ${n} editors is refused: ${e.message} (TooLarge, errorInfo ${JSON.stringify(e.errorInfo)})`);
      throw e;
    });
    fileIds.push(fileId);
    for (const e of editors) editorFiles.push(await openLive(e.api, fileId));
    replicas.push(...editorFiles);
    if (n === 1) replicas.push(await openLive(viewer.api, fileId));
    for (let i = 0; i < n; i++) watcherOf.push(n === 1 ? replicas[1]! : editorFiles[(i + 1) % n]!);
  } else {
    // All subscriptions of this process share one socket, which carries at most
    // MAX_SUBSCRIPTIONS_PER_CONNECTION: viewers watch as many of the files as fit beside the editors.
    const watched = Math.min(n, MAX_SUBSCRIPTIONS_PER_CONNECTION - n);
    for (const [i, e] of editors.entries()) {
      const fileId = await newFile(e, 'own.txt', i < watched ? [{ user: viewer, role: 'VIEWER' }] : []);
      fileIds.push(fileId);
      const mine = await openLive(e.api, fileId);
      editorFiles.push(mine);
      replicas.push(mine);
      if (i < watched) {
        const watcher = await openLive(viewer.api, fileId);
        watcherOf.push(watcher);
        replicas.push(watcher);
      }
    }
  }
  // Let the catch-ups that each subscription ack set off in this process's other replicas finish.
  await new Promise((r) => setTimeout(r, 500));
  const setupMs = performance.now() - setupStarted;

  // Tokens typed and not yet seen, per watching replica: token -> when edit() was called.
  const watching = new Map<SyncedFile, Map<string, number>>();
  const remote: number[] = [];
  for (const w of new Set(watcherOf.filter((x) => x !== undefined))) {
    const pending = new Map<string, number>();
    watching.set(w, pending);
    w.on('change', ({ content }) => {
      const at = performance.now();
      for (const [token, typedAt] of pending) {
        if (content.includes(token)) {
          remote.push(at - typedAt);
          pending.delete(token);
        }
      }
    });
  }

  counters.modifyCalls = 0;
  for (const e of [...editors, viewer]) e.api.resetStats();
  const ack: number[] = [];
  const ackedTokens: string[][] = editors.map(() => []);
  const errors: string[] = [];
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const loops = editorFiles.map(async (f, i) => {
    // Editors whose file no viewer watches (see above) give no edit-to-replica samples.
    const pending = watcherOf[i] ? watching.get(watcherOf[i])! : new Map<string, number>();
    for (let k = 0; performance.now() < deadline; k++) {
      const token = `<${i}.${k}>`;
      const text = f.content;
      const at = boundary(text);
      const t = performance.now();
      pending.set(token, t);
      try {
        await f.edit(`${text.slice(0, at)}${token} ${text.slice(at)}`);
      } catch (e) {
        errors.push(`editor ${i} token ${token}: ${(e as Error).name}: ${(e as Error).message}`);
        pending.delete(token);
        return;
      }
      ack.push(performance.now() - t);
      ackedTokens[i]!.push(token);
    }
  });
  let overrun: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.all(loops),
    new Promise((_, reject) => (overrun = setTimeout(() => reject(new Error(`editors still waiting ${OVERRUN_MS / 1000} s after the deadline`)), seconds * 1000 + OVERRUN_MS))),
  ]);
  clearTimeout(overrun);
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu0);
  const cpu = (used.user + used.system) / 1000 / elapsedMs;
  const calls = counters.modifyCalls;
  const http = editors.reduce((s, e) => s + (e.api.stats.byOperation.modifyFile?.requests ?? 0), 0);
  const catchUps = editors.reduce((s, e) => s + (e.api.stats.byOperation.getFileChanges?.requests ?? 0), 0);

  // Correctness: every replica at the server's head, equal to it, every acknowledged token once.
  await Promise.all(replicas.map((r) => r.flush()));
  for (let f = 0; f < fileIds.length; f++) {
    const fileId = fileIds[f]!;
    const head = await editors[layout === 'one file' ? 0 : f]!.api.getFile(fileId);
    const mine = replicas.filter((r) => r.fileId === fileId);
    const settleBy = Date.now() + SETTLE_MS;
    while (mine.some((r) => r.version < head.version || r.pendingEdits > 0) && Date.now() < settleBy) await new Promise((r) => setTimeout(r, 50));
    const problems: string[] = [];
    for (const r of mine) {
      if (r.version !== head.version) problems.push(`a replica is at version ${r.version}, the head at ${head.version}`);
      else if (r.content !== head.content) problems.push(`a replica at version ${r.version} differs from the head`);
    }
    const counts = new Map<string, number>();
    for (const word of (head.content ?? '').split(' ')) counts.set(word, (counts.get(word) ?? 0) + 1);
    const expected = layout === 'one file' ? ackedTokens.flat() : ackedTokens[f]!;
    const wrong = expected.filter((t) => counts.get(t) !== 1);
    if (wrong.length)
      problems.push(
        `${wrong.length} of ${expected.length} acknowledged tokens not present exactly once (e.g. ${wrong
          .slice(0, 3)
          .map((t) => `${t}×${counts.get(t) ?? 0}`)
          .join(', ')})`,
      );
    if (problems.length) {
      failed = true;
      console.error(`\n!!! CORRECTNESS FAILURE: ${n} editors, ${layout}, file ${fileId}:\n!!!   ${problems.join('\n!!!   ')}\n`);
    }
  }
  for (const w of watching.values()) if (w.size) errors.push(`${w.size} tokens never seen in the watching replica`);
  await Promise.all(replicas.map((r) => r.close()));
  if (errors.length) {
    failed = true;
    console.error(`\n!!! ${errors.length} edit(s) failed (${n} editors, ${layout}): ${errors.slice(0, 5).join('; ')}\n`);
  }
  const acked = ack.length;
  return {
    n,
    layout,
    acked,
    elapsedMs,
    editsPerSec: (acked / elapsedMs) * 1000,
    callsPerEdit: calls / acked,
    httpPerEdit: http / acked,
    catchUpsPerEdit: catchUps / acked,
    ack: ack.sort((a, b) => a - b),
    remote: remote.sort((a, b) => a - b),
    remoteTo: layout === 'one file' && n > 1 ? 'next editor' : 'viewer',
    errors,
    setupMs,
    cpu,
  };
}

const p = (xs: number[], q: number) => (xs.length ? ms(percentile(xs, q)) : '–');
const secs = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);

try {
  const maxN = Math.max(...EDITORS);
  const t = performance.now();
  const editors = await sdkUsers(stack.runtime, maxN, 'editor');
  const [viewer] = await sdkUsers(stack.runtime, 1, 'viewer');
  for (const e of editors) countModify(e.api);
  console.log(`${maxN} editors + 1 viewer signed in (${secs(performance.now() - t)}); ${SECONDS} s per row; editors ${EDITORS.join(', ')}`);
  // The JVM and V8 are several times slower in their first seconds.
  console.log('warming up...');
  await scenario(editors.slice(0, Math.min(4, maxN)), viewer!, 'separate files', 3);

  const rows: Row[] = [];
  const notMeasured = new Map<number, string>();
  for (const n of EDITORS) {
    for (const layout of ['one file', 'separate files'] as const) {
      let r: Row;
      try {
        r = await scenario(editors.slice(0, n), viewer!, layout, SECONDS);
      } catch (e) {
        if (!(e instanceof NotMeasurable)) throw e;
        notMeasured.set(n, e.message);
        console.error(`\n!!! ${n} editors, ${layout}: NOT MEASURED: ${e.message}\n`);
        continue;
      }
      rows.push(r);
      console.log(
        `${String(n).padStart(2)} editors, ${layout.padEnd(14)}: ${r.acked} edits in ${secs(r.elapsedMs)} = ${r.editsPerSec.toFixed(1)} edits/s; modifyFile ${r.callsPerEdit.toFixed(2)} calls/edit (${r.httpPerEdit.toFixed(2)} HTTP), getFileChanges ${r.catchUpsPerEdit.toFixed(2)}/edit; ack p50 ${p(r.ack, 50)} p99 ${p(r.ack, 99)}; to ${r.remoteTo} p50 ${p(r.remote, 50)} p99 ${p(r.remote, 99)} (${r.remote.length} samples); setup ${secs(r.setupMs)}; process CPU ${(r.cpu * 100).toFixed(0)}% of a core; sockets opened so far ${sockets.opened}, open ${sockets.open}, subscription starts ${sockets.starts}`,
      );
    }
  }

  const one1 = rows.find((r) => r.n === 1 && r.layout === 'one file');
  console.log(
    `\n| editors | acknowledged edits/s, one file (× 1 editor) | separate files (one file / separate) | modifyFile calls per edit (HTTP) | ack p50 / p99 | edit to another replica p50 / p99 |`,
  );
  console.log('|---|---|---|---|---|---|');
  for (const n of EDITORS) {
    const one = rows.find((r) => r.n === n && r.layout === 'one file');
    const sep = rows.find((r) => r.n === n && r.layout === 'separate files')!;
    if (!one) {
      console.log(
        `| ${n} | not measurable: ${notMeasured.get(n)} | ${sep.editsPerSec.toFixed(1)} | separate ${sep.callsPerEdit.toFixed(2)} | separate ${p(sep.ack, 50)} / ${p(sep.ack, 99)} | separate ${p(sep.remote, 50)} / ${p(sep.remote, 99)} (to viewer) |`,
      );
      continue;
    }
    const vs1 = one1 ? ` (${(one.editsPerSec / one1.editsPerSec).toFixed(2)}×)` : '';
    console.log(
      `| ${n} | ${one.editsPerSec.toFixed(1)}${vs1} | ${sep.editsPerSec.toFixed(1)} (${(one.editsPerSec / sep.editsPerSec).toFixed(2)}×) | ${one.callsPerEdit.toFixed(2)} (${one.httpPerEdit.toFixed(2)}); separate ${sep.callsPerEdit.toFixed(2)} | ${p(one.ack, 50)} / ${p(one.ack, 99)}; separate ${p(sep.ack, 50)} / ${p(sep.ack, 99)} | ${p(one.remote, 50)} / ${p(one.remote, 99)} (to ${one.remoteTo}); separate ${p(sep.remote, 50)} / ${p(sep.remote, 99)} (to viewer) |`,
    );
  }
  console.log(`\nTargets (issue 14) at 16 editors: one-file edits/s ≥ 1× the 1-editor rate and ≥ 0.5× separate files; ≤ 1.2 calls per edit; edit to another replica p99 < 300 ms.`);
  console.log(
    `Real-time: ${sockets.starts} subscription starts over ${sockets.opened} WebSocket(s), at most ${sockets.maxOpen} open at once (Amplify keeps one socket per endpoint per process, closed ~1 s after its last subscription).`,
  );
  console.log(
    `Machine load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${cpus().length} cores.`,
  );
  console.log(failed ? '\n!!! CORRECTNESS OR EDIT FAILURES ABOVE: these figures do not stand.' : '\nCorrectness: every replica equal to the head, every acknowledged token present exactly once.');
} finally {
  await stack.stop();
}
process.exit(failed ? 1 : 0);
