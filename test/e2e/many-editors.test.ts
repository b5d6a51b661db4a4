/**
 * Many people editing ONE file at once, through the SDK and the sync engine against the real local
 * runtime: every edit lands exactly once, every replica ends equal to the head, the log is contiguous
 * and replays to the head, and every version's sha256 (computed by the server) is the SHA-256 of the
 * content it produces. Speed is measured by bench/contention.ts, not here.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyText } from '../../client/patch/index.ts';
import { sha256Hex, type Api, type FileChange } from '../../client/sdk/index.ts';
import { openFile, type SyncedFile } from '../../client/sync/index.ts';
import { api as craftSync } from '../../infra/api.ts';
import { sdkUser, waitFor } from './client-harness.ts';
import { startStack, type TestStack } from './harness.ts';

const EDITORS = 16;
const EDITS = Number(process.env.CRAFT_SYNC_EDITS ?? 6);
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

let stack: TestStack;
let users: Array<{ api: Api; sub: string }>;

beforeAll(async () => {
  stack = await startStack(craftSync);
  users = [];
  for (let i = 0; i < EDITORS; i += 1) users.push(await sdkUser(stack, `editor${i}@example.com`));
});
afterAll(async () => {
  await stack?.stop();
});

async function sharedFile(content: string): Promise<string> {
  const owner = users[0]!;
  const change = await owner.api.insertFile({ name: 'shared.txt', contentType: 'text/plain', content, sha256: await sha256Hex(content) });
  for (const u of users.slice(1)) await owner.api.shareFile({ fileId: change.fileId, userId: u.sub, role: 'EDITOR' });
  return change.fileId;
}

/** Inserts `token` at a pseudo-random place that is not inside another token. */
function insertAt(text: string, seed: number, token: string): string {
  let at = (seed * 7919) % (text.length + 1);
  if (text.lastIndexOf('<', at - 1) > text.lastIndexOf('>', at - 1)) at = text.indexOf('>', at) + 1;
  return text.slice(0, at) + token + text.slice(at);
}

/** The whole log from version 1, page by page (a nextToken of "0" pages the log itself, never a snapshot). */
async function wholeLog(api: Api, id: string): Promise<FileChange[]> {
  const out: FileChange[] = [];
  let nextToken: string | null | undefined = '0';
  do {
    const page = await api.getFileChanges(id, 0, { limit: 100, nextToken });
    out.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

describe('many editors on one file', () => {
  it(`${EDITORS} editors x ${EDITS} edits at once: each edit once, replicas equal the head, the log contiguous and verifiable`, async () => {
    const id = await sharedFile('shared text\n');
    const files: SyncedFile[] = await Promise.all(users.map((u) => openFile(u.api, id)));
    try {
      const tokens: string[] = [];
      await Promise.all(
        files.map(async (f, e) => {
          for (let n = 0; n < EDITS; n += 1) {
            const token = `<${e}.${n}>`;
            tokens.push(token);
            // Closed loop, as a typist who waits for nothing: the next edit as soon as this one is acknowledged.
            await f.edit(insertAt(f.content, e * 31 + n, token));
          }
        }),
      );
      const head = async () => users[0]!.api.getFile(id);
      await waitFor(
        async () => {
          const h = await head();
          return files.every((f) => f.pendingEdits === 0 && f.version === h.version && f.content === h.content);
        },
        'every replica at the head',
        () => files.map((f) => [f.version, f.pendingEdits]),
      );
      const h = await head();
      for (const t of tokens) expect(h.content!.split(t).length - 1).toBe(1);
      for (const f of files) expect(f.content).toBe(h.content);

      const log = await wholeLog(users[0]!.api, id);
      expect(log.map((c) => c.version)).toEqual(Array.from({ length: h.version }, (_, i) => i + 1));
      let text = '';
      for (const c of log) {
        text = c.patch ? applyText(JSON.parse(c.patch), text) : c.content!;
        expect(c.sha256).toBe(sha(text));
      }
      expect(text).toBe(h.content);
      expect(h.sha256).toBe(sha(h.content!));
    } finally {
      await Promise.all(files.map((f) => f.close()));
    }
  });

  it('a stale-base text edit commits with one modifyFile call when what it missed can be merged', async () => {
    const id = await sharedFile('alpha beta gamma');
    const [a, b] = [users[1]!, users[2]!];
    const fa = await openFile(a.api, id, { live: false });
    const fb = await openFile(b.api, id, { live: false });
    try {
      await fa.edit('alpha, beta gamma');
      await fa.edit('alpha, beta, gamma');
      expect(fb.version).toBe(1); // b has not pulled: its base is two versions behind
      const before = b.api.stats.byOperation.modifyFile?.requests ?? 0;
      const committed = await fb.edit('alpha beta gamma delta');
      expect((b.api.stats.byOperation.modifyFile?.requests ?? 0) - before).toBe(1);
      expect(committed).toMatchObject({ version: 4, sha256: sha('alpha, beta, gamma delta') });
      await fb.flush();
      expect(fb.content).toBe('alpha, beta, gamma delta');
      expect(fb.version).toBe(4);
    } finally {
      await Promise.all([fa.close(), fb.close()]);
    }
  });

  it('edits typed during a round trip go as one patch and one commit', async () => {
    const id = await sharedFile('');
    const f = await openFile(users[3]!.api, id);
    try {
      const before = users[3]!.api.stats.byOperation.modifyFile?.requests ?? 0;
      const acks = ['a', 'ab', 'abc', 'abcd', 'abcde'].map((t) => f.edit(t));
      const results = await Promise.all(acks);
      await f.flush();
      const calls = (users[3]!.api.stats.byOperation.modifyFile?.requests ?? 0) - before;
      // The first edit goes at once; the four typed while it was in flight are folded into the second call.
      expect(calls).toBe(2);
      expect(results[1]).toEqual(results[4]);
      expect(f.content).toBe('abcde');
      expect((await users[3]!.api.getFile(id)).version).toBe(3);
    } finally {
      await f.close();
    }
  });
});
