/** Folder-sync fixtures: signed-in SDK sessions, folders synced by syncDir, and a tree of a folder's files. */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { syncDir, type DirSync, type SyncEvent } from '../../client/cli/dirsync.ts';
import { createApi, createSession, fromAmplifyConfig, type Api } from '../../client/sdk/index.ts';
import { PASSWORD, type TestStack } from './harness.ts';

/** A new session (its own Amplify context) of a user who exists already. */
export async function signIn(stack: TestStack, email: string): Promise<Api> {
  const session = createSession(fromAmplifyConfig(stack.runtime.amplifyConfig));
  await session.signIn(email, PASSWORD);
  return createApi(session);
}

export interface Synced {
  sync: DirSync;
  events: SyncEvent[];
  /** The events' lines as the CLI prints them. */
  lines(): string;
}

export async function startSync(api: Api, dir: string, opts: Parameters<typeof syncDir>[2] = {}): Promise<Synced> {
  const events: SyncEvent[] = [];
  const sync = await syncDir(api, dir, { intervalMs: 200, ...opts, log: (e) => events.push(e) });
  return { sync, events, lines: () => events.map((e) => `${e.at} ${e.message}`).join('\n') };
}

/** Every regular file under `dir` (the state folder left out): relative path → bytes as hex. */
export function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (rel: string) => {
    for (const d of readdirSync(rel ? join(dir, rel) : dir, { withFileTypes: true })) {
      const path = rel ? `${rel}/${d.name}` : d.name;
      if (path === '.craft-sync') continue;
      if (d.isDirectory()) visit(path);
      else if (d.isFile()) out[path] = readFileSync(join(dir, path)).toString('hex');
    }
  };
  visit('');
  return out;
}

export function isDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}
