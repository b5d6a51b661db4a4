/**
 * The CLI's profile: one directory (default ~/.craft-sync, or --profile, or $CRAFT_SYNC_HOME) with
 * the API configuration (config.json), Amplify's tokens (auth/, refreshed by Amplify itself) and the
 * sync engine's replicas (cache/). Nothing else is kept.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApi, createSession, fileStorage, UnauthorizedError, type Api, type ClientConfig } from '../sdk/index.ts';
import { fileStore, type SyncStore } from '../sync/index.ts';

export interface Profile {
  dir: string;
  config(): ClientConfig;
  saveConfig(c: ClientConfig): void;
  /** The API as the signed-in user (UnauthorizedError when nobody is). */
  api(): Promise<Api>;
  store(): SyncStore;
}

export function profileDir(flag?: string): string {
  return resolve(flag ?? process.env.CRAFT_SYNC_HOME ?? join(homedir(), '.craft-sync'));
}

export function openProfile(dir: string): Profile {
  const configPath = join(dir, 'config.json');
  return {
    dir,
    config() {
      if (!existsSync(configPath)) throw new UnauthorizedError('Unauthorized', `no configuration in ${dir}: run \`craft-sync login\` first`);
      return JSON.parse(readFileSync(configPath, 'utf8')) as ClientConfig;
    },
    saveConfig(c) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(configPath, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
    },
    async api() {
      const session = createSession(this.config(), { storage: fileStorage(join(dir, 'auth')) });
      await session.currentUser(); // fail early and clearly when not signed in
      return createApi(session);
    },
    store: () => fileStore(join(dir, 'cache')),
  };
}
