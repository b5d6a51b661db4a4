/**
 * What a client pays to catch up after N remote changes (the sync engine reopening from its store:
 * getFileChanges, patches applied and verified) against re-downloading the file (getFile), in the
 * same run: requests, GraphQL payload bytes (the SDK's count) and HTTP response body bytes (fetch).
 * Run: npx tsx bench/client-catchup.ts [sizeKB=30]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api as craftSync } from '../infra/api.ts';
import { sha256Hex } from '../client/sdk/index.ts';
import { fileStore, openFile } from '../client/sync/index.ts';
import { startStack } from '../test/e2e/harness.ts';
import { sdkUser } from '../test/e2e/client-harness.ts';

const sizeKB = Number(process.argv[2] ?? 30);
let httpBytes = 0;
let httpRequests = 0;
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const res = await realFetch(input, init);
  if (String(input instanceof Request ? input.url : input).includes('/graphql')) {
    httpRequests += 1;
    httpBytes += (await res.clone().arrayBuffer()).byteLength;
  }
  return res;
};

const stack = await startStack(craftSync);
const tmp = mkdtempSync(join(tmpdir(), 'craft-sync-bench-catchup-'));
try {
  const writer = await sdkUser(stack, 'writer@example.com');
  const reader = await sdkUser(stack, 'reader@example.com');
  const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit ';
  const content = words.repeat(Math.ceil((sizeKB * 1024) / words.length)).slice(0, Math.min(sizeKB * 1024, 32_000));
  const ins = await writer.api.insertFile({ name: 'bench.txt', contentType: 'text/plain', content, sha256: await sha256Hex(content) });
  await writer.api.shareFile({ fileId: ins.fileId, userId: reader.sub, role: 'VIEWER' });
  const w = await openFile(writer.api, ins.fileId, { live: false });
  const store = fileStore(join(tmp, 'store'));
  await (await openFile(reader.api, ins.fileId, { store, live: false })).close();

  console.log(`file ${content.length} chars; each change replaces one word\n`);
  console.log('N changes | catch-up: requests  payload B  HTTP B | full download: requests  HTTP B | bytes ratio (catch-up / download)');
  let edits = 0;
  for (const n of [1, 10, 30, 100]) {
    for (let i = 0; i < n; i++) {
      const at = (edits++ * 97) % (w.content.length - 10);
      await w.edit(`${w.content.slice(0, at)}EDIT${edits % 10}${w.content.slice(at + 5)}`);
    }
    reader.api.resetStats();
    [httpBytes, httpRequests] = [0, 0];
    const r = await openFile(reader.api, ins.fileId, { store, live: false });
    if (r.content !== w.content) throw new Error('catch-up diverged');
    await r.close();
    const catchUp = { requests: httpRequests, payload: reader.api.stats.bytesIn, http: httpBytes };
    [httpBytes, httpRequests] = [0, 0];
    await reader.api.getFile(ins.fileId);
    const full = { requests: httpRequests, http: httpBytes };
    console.log(
      `${String(n).padStart(9)} | ${String(catchUp.requests).padStart(18)} ${String(catchUp.payload).padStart(10)} ${String(catchUp.http).padStart(7)} | ${String(full.requests).padStart(23)} ${String(full.http).padStart(7)} | ${(catchUp.http / full.http).toFixed(3)}`,
    );
  }
  await w.close();
} finally {
  await stack.stop();
  rmSync(tmp, { recursive: true, force: true });
}
