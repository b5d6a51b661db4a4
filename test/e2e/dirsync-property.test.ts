/**
 * Folder sync as a property (fast-check, bounded): two folders of one user and one server (the real
 * local runtime), random creates, appends, deletes, renames and moves into subfolders on both sides,
 * some at once on the same file. Afterwards both folders and the server hold the same files, and no
 * line anyone wrote is gone unless a delete took the file that held it.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api as craftSync } from '../../infra/api.ts';
import type { Api } from '../../client/sdk/index.ts';
import { PASSWORD, startStack, type TestStack } from './harness.ts';
import { waitFor } from './client-harness.ts';
import { signIn, startSync, tree, type Synced } from './dirsync-helpers.ts';

let stack: TestStack;
let tmp: string;
const running: Synced[] = [];

beforeAll(async () => {
  stack = await startStack(craftSync);
  tmp = mkdtempSync(join(tmpdir(), 'craft-sync-dirsync-property-'));
});

afterAll(async () => {
  for (const s of running) await s.sync.stop({ flushMs: 1000 }).catch(() => undefined);
  await stack?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

type Op =
  | { kind: 'create'; side: number; folder: number; wait: number }
  | { kind: 'append' | 'delete'; side: number; pick: number; wait: number }
  | { kind: 'rename'; side: number; pick: number; folder: number; wait: number }
  | { kind: 'both-append'; pick: number; wait: number };

const FOLDERS = ['', 'sub/', 'sub/deep/', 'other/'];
const side = fc.integer({ min: 0, max: 1 });
const wait = fc.integer({ min: 0, max: 400 });
const pick = fc.nat(20);
const folder = fc.integer({ min: 0, max: FOLDERS.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), side, folder, wait }),
  fc.record({ kind: fc.constant('append' as const), side, pick, wait }),
  fc.record({ kind: fc.constant('delete' as const), side, pick, wait }),
  fc.record({ kind: fc.constant('rename' as const), side, pick, folder, wait }),
  fc.record({ kind: fc.constant('both-append' as const), pick, wait }),
);

/** Text files only: path → content. */
const texts = (dir: string) => Object.fromEntries(Object.entries(tree(dir)).map(([k, v]) => [k, Buffer.from(v, 'hex').toString('utf8')]));

async function serverFiles(api: Api): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await api.listFiles({ limit: 100 })).items) out[f.name] = (await api.getFile(f.id)).content!;
  return out;
}

let run = 0;

describe('sync <dir> property', () => {
  it('random operations on two folders end with both folders and the server equal, and no line lost but by a delete', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        run += 1;
        const email = `prop${run}@example.com`;
        await stack.runtime.cognito!.createUser({ email, password: PASSWORD });
        const apis = [await signIn(stack, email), await signIn(stack, email)];
        const dirs = [join(tmp, `run${run}-a`), join(tmp, `run${run}-b`)];
        for (const d of dirs) mkdirSync(d);
        const syncs = [await startSync(apis[0]!, dirs[0]!), await startSync(apis[1]!, dirs[1]!)];
        running.push(...syncs);
        const written = new Set<string>();
        const deleted = new Set<string>();
        let n = 0;
        const token = () => `line ${run}.${(n += 1)}`;
        const filesOf = (s: number) => Object.keys(texts(dirs[s]!)).sort();
        const at = (s: number, rel: string) => join(dirs[s]!, rel);
        const linesOf = (s: number, rel: string) => (existsSync(at(s, rel)) ? readFileSync(at(s, rel), 'utf8').split('\n').filter(Boolean) : []);
        const append = (s: number, rel: string) => {
          const t = token();
          written.add(t);
          writeFileSync(at(s, rel), `${readFileSync(at(s, rel), 'utf8')}${t}\n`);
        };
        try {
          for (const o of ops) {
            if (o.kind === 'create') {
              const t = token();
              const rel = `${FOLDERS[o.folder]}f${n}.txt`;
              mkdirSync(dirname(at(o.side, rel)), { recursive: true });
              written.add(t);
              writeFileSync(at(o.side, rel), `${t}\n`);
            } else if (o.kind === 'both-append') {
              const common = filesOf(0).filter((f) => filesOf(1).includes(f));
              if (common.length) {
                const rel = common[o.pick % common.length]!;
                append(0, rel);
                append(1, rel);
              }
            } else {
              const files = filesOf(o.side);
              if (files.length === 0) continue;
              const rel = files[o.pick % files.length]!;
              if (o.kind === 'append') append(o.side, rel);
              else if (o.kind === 'delete') {
                // What the delete takes: the file's lines on both sides as they are now.
                for (const s of [0, 1]) for (const l of linesOf(s, rel)) deleted.add(l);
                unlinkSync(at(o.side, rel));
              } else if (o.kind === 'rename') {
                const to = `${FOLDERS[o.folder]}r${(n += 1)}.txt`;
                mkdirSync(dirname(at(o.side, to)), { recursive: true });
                renameSync(at(o.side, rel), at(o.side, to));
              }
            }
            await new Promise((r) => setTimeout(r, o.wait));
          }
          await waitFor(
            async () => {
              const [a, b] = [texts(dirs[0]!), texts(dirs[1]!)];
              if (JSON.stringify(a) !== JSON.stringify(b)) return false;
              return JSON.stringify(Object.fromEntries(Object.entries(await serverFiles(apis[0]!)).sort())) === JSON.stringify(Object.fromEntries(Object.entries(a).sort()));
            },
            'both folders and the server to agree',
            () => ({ ops, a: texts(dirs[0]!), b: texts(dirs[1]!), logA: syncs[0]!.lines(), logB: syncs[1]!.lines() }),
            60_000,
          );
          const final = new Set(Object.values(texts(dirs[0]!)).flatMap((c) => c.split('\n').filter(Boolean)));
          const lost = [...written].filter((t) => !final.has(t) && !deleted.has(t));
          expect(lost, JSON.stringify({ ops, a: texts(dirs[0]!), logA: syncs[0]!.lines(), logB: syncs[1]!.lines() })).toEqual([]);
        } finally {
          for (const s of syncs) await s.sync.stop({ flushMs: 2000 });
          running.length = 0;
        }
      }),
      { numRuns: 15 },
    );
  }, 900_000);
});
