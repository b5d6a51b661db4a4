/**
 * The sync engine (client/sync) on the SDK (client/sdk) against the real local runtime running
 * craft-sync's API: concurrent editors converge, offline edits land after reconnect, a restarted
 * client pulls only what changed, and a tampered change is caught by its sha256 and repaired.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api as craftSync } from '../../infra/api.ts';
import { sha256Hex, type Api } from '../../client/sdk/index.ts';
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
          await waitFor(() => converged([a, b], id), 'both replicas at the head', () => [a, b].map((f) => [f.version, f.pendingEdits, f.content]));
          expect(a.content).toBe(b.content);
          for (const [who, edits] of [['A', editsA], ['B', editsB]] as const) {
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

  it('detects a tampered and a corrupted patch by sha256 and repairs the replica with a full download', async () => {
    const id = await newSharedFile('alpha beta gamma\n');
    const store = fileStore(join(tmp, 'tamper'));
    const b1 = await openFile(bob.api, id, { store, live: false });
    await b1.close();
    const a = await openFile(alice.api, id, { live: false });
    await a.edit('alpha BETA gamma\n'); // v2
    await a.edit('alpha BETA gamma delta\n'); // v3

    const table = stack.runtime.tableName('files');
    const setPatch = (version: number, patch: string) =>
      stack.runtime.dynamodb.client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: { S: `FILE#${id}` }, sk: { S: `V#${String(version).padStart(10, '0')}` } },
          UpdateExpression: 'SET patch = :p',
          ExpressionAttributeValues: { ':p': { S: patch } },
        }),
      );
    // v2: a valid patch with the wrong result (tampered); v3 would not even parse (corrupted).
    await setPatch(2, JSON.stringify({ v: 1, t: 'text', ops: [6, -4, 'EVIL', 7] }));
    await setPatch(3, '{"v":1,"t":"text","ops":[');

    bob.api.resetStats();
    const b2 = await openFile(bob.api, id, { store, live: false });
    try {
      expect(b2.content).toBe('alpha BETA gamma delta\n');
      expect(b2.version).toBe(3);
      expect(bob.api.stats.byOperation.getFile?.requests).toBe(1);
      const saved = await store.load(id);
      expect(saved?.sha256).toBe(await sha256Hex('alpha BETA gamma delta\n'));
    } finally {
      await Promise.all([a.close(), b2.close()]);
    }
  });
});
