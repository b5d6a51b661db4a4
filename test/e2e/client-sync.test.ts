/**
 * The sync engine (client/sync) on the SDK (client/sdk) against the real local runtime running
 * craft-sync's API: concurrent editors converge, offline edits land after reconnect, a restarted
 * client pulls only what changed, and a tampered change is caught by its sha256 and repaired.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api as craftSync } from '../../infra/api.ts';
import { sha256Hex, UnmergeableConflictError, type Api } from '../../client/sdk/index.ts';
import { fileStore, openFile, type SyncedFile } from '../../client/sync/index.ts';
import { startStack, type TestStack } from './harness.ts';
import { sdkUser, startProxy, waitFor, type Proxy } from './client-harness.ts';

let stack: TestStack;
let alice: { api: Api; sub: string };
let bob: { api: Api; sub: string };
let tmp: string;

beforeAll(async () => {
  stack = await startStack(craftSync);
  alice = await sdkUser(stack, 'alice@example.com');
  bob = await sdkUser(stack, 'bob@example.com');
  tmp = mkdtempSync(join(tmpdir(), 'craft-sync-client-'));
});

afterAll(async () => {
  await stack?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function newSharedFile(content: string, name = 'doc.txt'): Promise<string> {
  const change = await alice.api.insertFile({ name, contentType: 'text/plain', content, sha256: await sha256Hex(content) });
  await alice.api.shareFile({ fileId: change.fileId, userId: bob.sub, role: 'EDITOR' });
  return change.fileId;
}

const converged = async (files: SyncedFile[], id: string) => {
  const head = await alice.api.getFile(id);
  return files.every((f) => f.pendingEdits === 0 && f.version === head.version && f.content === head.content);
};

/** One random edit: insert a unique token somewhere, and maybe delete filler (never a token). */
const editArb = fc.record({ at: fc.nat(), del: fc.nat({ max: 3 }), pause: fc.nat({ max: 3 }) });

function applyEdit(text: string, e: { at: number; del: number }, token: string): string {
  let at = e.at % (text.length + 1);
  // Never inside another token: move past its closing bracket.
  if (text.lastIndexOf('<', at - 1) > text.lastIndexOf('>', at - 1)) at = text.indexOf('>', at) + 1;
  let end = at;
  while (end < text.length && end - at < e.del && /[a-z ]/.test(text[end]!)) end++;
  return text.slice(0, at) + token + text.slice(end);
}

describe('sync engine against the local runtime', () => {
  it('two clients editing one text concurrently converge to the same content holding every edit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(editArb, { minLength: 1, maxLength: 8 }), fc.array(editArb, { minLength: 1, maxLength: 8 }), async (editsA, editsB) => {
        const id = await newSharedFile('the quick brown fox jumps over the lazy dog');
        const a = await openFile(alice.api, id);
        const b = await openFile(bob.api, id);
        try {
          const run = async (f: SyncedFile, edits: typeof editsA, who: string) => {
            const acks: Array<Promise<unknown>> = [];
            for (const [i, e] of edits.entries()) {
              acks.push(f.edit(applyEdit(f.content, e, `<${who}${i}>`)));
              await new Promise((r) => setTimeout(r, e.pause));
            }
            await Promise.all(acks);
          };
          await Promise.all([run(a, editsA, 'A'), run(b, editsB, 'B')]);
          await waitFor(
            () => converged([a, b], id),
            'both replicas at the head',
            () => [a, b].map((f) => [f.version, f.pendingEdits, f.content]),
          );
          expect(a.content).toBe(b.content);
          for (const [who, edits] of [
            ['A', editsA],
            ['B', editsB],
          ] as const) {
            edits.forEach((_, i) => expect(a.content.split(`<${who}${i}>`).length - 1).toBe(1));
          }
        } finally {
          await Promise.all([a.close(), b.close()]);
        }
      }),
      { numRuns: 6, interruptAfterTimeLimit: 50_000 },
    );
  });

  it('queues edits made offline and lands them, in order, after reconnecting', async () => {
    const id = await newSharedFile('line one\n');
    const proxy: Proxy = await startProxy(stack.runtime.port);
    const offlineBob = await sdkUser(stack, 'bob@example.com', { endpoint: `http://127.0.0.1:${proxy.port}/graphql` });
    const a = await openFile(alice.api, id);
    const b = await openFile(offlineBob.api, id);
    const events: string[] = [];
    b.on('offline', () => events.push('offline'));
    b.on('online', () => events.push('online'));
    try {
      proxy.cut();
      const queued = [b.edit(`${b.content}bob 1\n`)];
      queued.push(b.edit(`${b.content}bob 2\n`));
      queued.push(b.edit(`${b.content}bob 3\n`));
      await a.edit(`alice first\n${a.content}`);
      await waitFor(() => events.includes('offline'), 'the client to notice it is offline');
      expect(b.pendingEdits).toBe(3);
      proxy.restore();
      await Promise.all(queued);
      await waitFor(() => converged([a, b], id), 'both replicas at the head');
      expect(b.content).toBe('alice first\nline one\nbob 1\nbob 2\nbob 3\n');
      expect(events).toContain('online');
    } finally {
      await Promise.all([a.close(), b.close()]);
      await proxy.close();
    }
  });

  it('a restarted client pulls only the 30 changes made while it was away', async () => {
    const big = `${'lorem ipsum dolor sit amet '.repeat(1_000)}\n`; // ~27 KB
    const id = await newSharedFile(big);
    const store = fileStore(join(tmp, 'restart'));
    const first = await openFile(bob.api, id, { store, live: false });
    expect(first.content).toBe(big);
    await first.close();

    const a = await openFile(alice.api, id, { live: false });
    for (let i = 0; i < 30; i++) await a.edit(a.content.replace(/lorem/, `L${i}`));

    bob.api.resetStats();
    const again = await openFile(bob.api, id, { store, live: false });
    try {
      expect(again.content).toBe(a.content);
      expect(again.version).toBe(31);
      expect(bob.api.stats.byOperation.getFile).toBeUndefined();
      expect(bob.api.stats.byOperation.getFileChanges?.requests).toBe(1);
      // Each change costs its metadata and a small patch, whatever the file's size: less than one download.
      expect(bob.api.stats.bytesIn).toBeLessThan(Buffer.byteLength(big));
      expect(bob.api.stats.bytesIn / 30).toBeLessThan(600);
    } finally {
      await Promise.all([a.close(), again.close()]);
    }
  });

  it.each([
    // A valid patch with the wrong result: only the sha256 tells (the text even keeps its length).
    ['tampered', JSON.stringify({ v: 1, t: 'text', ops: [6, -4, 'EVIL', 7] }), /IntegrityError.*version 2: sha256 [0-9a-f]{64} != [0-9a-f]{64}/],
    // A patch that does not even parse.
    ['corrupted', '{"v":1,"t":"text","ops":[', /IntegrityError: change 2 of [0-9a-f-]{36}: patch: /],
  ])('detects a %s patch and repairs the replica with a full download, in place and after a restart', async (_kind, bad, detected) => {
    const id = await newSharedFile('alpha beta gamma\n');
    const store = fileStore(join(tmp, `tamper-${_kind}`));
    const b1 = await openFile(bob.api, id, { store, live: false });
    const a = await openFile(alice.api, id, { live: false });
    await a.edit('alpha BETA gamma\n'); // v2
    await a.edit('alpha BETA gamma delta\n'); // v3, a patch that applies to v2's text (and to the tampered one)
    // v4, whole content: the server's body (resolvers/README.md) is now past v2, so getFile serves what
    // was committed while the log still holds the damaged v2 (the server rebuilds content from the log
    // only after its body, so damage there would reach getFile's content too, and readers' checks).
    const final = 'alpha BETA gamma delta!\n';
    await alice.api.modifyFile({ id, baseVersion: 3, content: final, sha256: await sha256Hex(final), requestId: randomUUID() });
    await stack.runtime.dynamodb.client.send(
      new UpdateItemCommand({
        TableName: stack.runtime.tableName('files'),
        Key: { pk: { S: `FILE#${id}` }, sk: { S: `V#${String(2).padStart(10, '0')}` } },
        UpdateExpression: 'SET patch = :p',
        ExpressionAttributeValues: { ':p': { S: bad } },
      }),
    );
    const seen: string[] = [];
    b1.on('error', (e) => seen.push(`${e.name}: ${e.message}`));
    b1.on('resync', (e) => seen.push(`resync at v${e.version}: ${e.reason}`));
    try {
      bob.api.resetStats();
      await b1.refresh(); // pulls v2..v4 from the log
      expect(seen).toHaveLength(2);
      expect(seen[0]).toMatch(detected);
      expect(seen[1]).toBe('resync at v4: version 2 did not apply');
      expect([b1.content, b1.version]).toEqual([final, 4]);
      expect(bob.api.stats.byOperation.getFile?.requests).toBe(1);
      expect((await store.load(id))?.sha256).toBe(await sha256Hex(final));
    } finally {
      await b1.close();
    }

    // A client that saved v1 and restarts meets the same bad change, and repairs the same way.
    const store2 = fileStore(join(tmp, `tamper-${_kind}-2`));
    await store2.save({ ...(await store.load(id))!, version: 1, content: 'alpha beta gamma\n', sha256: await sha256Hex('alpha beta gamma\n'), pending: [] });
    bob.api.resetStats();
    const b2 = await openFile(bob.api, id, { store: store2, live: false });
    try {
      expect([b2.content, b2.version]).toEqual([final, 4]);
      expect(bob.api.stats.byOperation.getFileChanges?.requests).toBe(1);
      expect(bob.api.stats.byOperation.getFile?.requests).toBe(1);
    } finally {
      await Promise.all([a.close(), b2.close()]);
    }
  });

  it('after a reconnect, catches up on what it missed, then applies newer live events, every version once and in order', async () => {
    const id = await newSharedFile('v1\n');
    const proxy = await startProxy(stack.runtime.port);
    const liveBob = await sdkUser(stack, 'bob@example.com', { endpoint: `http://127.0.0.1:${proxy.port}/graphql` });
    const a = await openFile(alice.api, id, { live: false });
    const b = await openFile(liveBob.api, id, { retryMinMs: 50, retryMaxMs: 500 });
    const applied: number[] = [];
    const resyncs: string[] = [];
    b.on('change', (e) => applied.push(e.version));
    b.on('resync', (e) => resyncs.push(e.reason));
    try {
      await a.edit('v1\nv2\n');
      await waitFor(
        () => b.version === 2,
        'a live change before the cut',
        () => b.version,
      );
      proxy.cut();
      await waitFor(() => !b.isOnline, 'the client to notice the real-time connection is gone');
      const stats = liveBob.api.stats;
      const logReadsBefore = stats.byOperation.getFileChanges?.requests ?? 0;
      for (let v = 3; v <= 5; v++) await a.edit(`${a.content}v${v}\n`); // missed: nobody can tell bob
      const eventsBefore = stats.events;
      proxy.restore();
      await waitFor(
        () => b.isOnline && b.version === 5,
        'the catch-up after reconnecting',
        () => [b.isOnline, b.version],
      );
      expect(stats.events).toBe(eventsBefore); // v3..v5 did not come live: they came from the log
      expect(stats.byOperation.getFileChanges!.requests).toBeGreaterThan(logReadsBefore);
      // New changes arrive live again once the subscription is back.
      for (let v = 6; stats.events === eventsBefore; v++) {
        expect(v, 'no live event after the reconnect').toBeLessThan(30);
        await a.edit(`${a.content}v${v}\n`);
        await waitFor(
          () => b.version === v,
          `v${v} to reach the reconnected client`,
          () => b.version,
          30_000,
        );
      }
      expect(b.content).toBe(a.content);
      expect(applied).toEqual(Array.from({ length: a.version - 1 }, (_, i) => i + 2));
      expect(resyncs).toEqual([]);
      expect(stats.byOperation.getFile?.requests).toBe(1); // the first open only: never a full download since
    } finally {
      await Promise.all([a.close(), b.close()]);
      await proxy.close();
    }
  }, 120_000);

  it('reports a binary edit made on an old version as an unmergeable conflict and keeps the newer version', async () => {
    const b64 = (...bytes: number[]) => Buffer.from(bytes).toString('base64');
    const first = b64(1, 2, 3);
    const inserted = await alice.api.insertFile({ name: 'pic.bin', contentType: 'application/octet-stream', encoding: 'BASE64', content: first, sha256: await sha256Hex(first, 'BASE64') });
    const id = inserted.fileId;
    await alice.api.shareFile({ fileId: id, userId: bob.sub, role: 'EDITOR' });
    const a = await openFile(alice.api, id, { live: false });
    const b = await openFile(bob.api, id, { live: false });
    const conflicts: UnmergeableConflictError[] = [];
    b.on('conflict', (e) => conflicts.push(e));
    try {
      await a.edit(b64(9, 9)); // v2, which bob has not seen
      const err = await b.edit(b64(7, 7, 7)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UnmergeableConflictError);
      expect(err).toMatchObject({ errorType: 'Conflict', mine: b64(7, 7, 7), headVersion: 2, errorInfo: { reason: 'UNMERGEABLE' } });
      expect(conflicts).toEqual([err]);
      expect([b.version, b.content, b.pendingEdits]).toEqual([2, b64(9, 9), 0]);
      const head = await bob.api.getFile(id);
      expect([head.version, head.content]).toEqual([2, b64(9, 9)]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a restarted client resends the edits it saved offline with their request ids; one the server already took lands once', async () => {
    for (const alreadyCommitted of [false, true]) {
      const id = await newSharedFile('base\n');
      const store = fileStore(join(tmp, `resend-${alreadyCommitted}`));
      const proxy = await startProxy(stack.runtime.port);
      const offlineBob = await sdkUser(stack, 'bob@example.com', { endpoint: `http://127.0.0.1:${proxy.port}/graphql` });
      const b1 = await openFile(offlineBob.api, id, { store, live: false });
      proxy.cut();
      const lost = b1.edit('base\nbob\n').catch(() => undefined); // never acknowledged: the client closes first
      await waitFor(async () => (await store.load(id))?.pending.length === 1, 'the edit to be saved');
      await b1.close();
      await proxy.close();
      void lost;
      const saved = (await store.load(id))!;
      const edit = saved.pending[0]!;
      if (alreadyCommitted) {
        // The server took it, but the answer never arrived: the same request id makes the resend a no-op.
        await bob.api.modifyFile({ id, baseVersion: 1, patch: JSON.stringify(edit.patch), sha256: await sha256Hex('base\nbob\n'), requestId: edit.requestId });
      }
      const b2 = await openFile(bob.api, id, { store, live: false });
      try {
        await b2.flush();
        const head = await alice.api.getFile(id);
        expect([head.version, head.content]).toEqual([2, 'base\nbob\n']);
        expect([b2.version, b2.content, b2.pendingEdits]).toEqual([2, 'base\nbob\n', 0]);
        const log = await alice.api.getFileChanges(id, 1);
        expect(log.items.map((c) => c.requestId)).toEqual([edit.requestId]);
      } finally {
        await b2.close();
      }
    }
  });
});
