/**
 * The CLI's profile: one directory (default ~/.craft-sync, or --profile, or $CRAFT_SYNC_HOME) with
 * the API configuration (config.json), Amplify's tokens (auth/, refreshed by Amplify itself) and the
 * sync engine's replicas (cache/). Nothing else is kept.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApi, createSession, fileStorage, UnauthorizedError, type Api, type ClientConfig, type Session } from '../sdk/index.ts';
import { fileStore, type SyncStore } from '../sync/index.ts';

export interface Profile {
  dir: string;
  config(): ClientConfig;
  saveConfig(c: ClientConfig): void;
  /**
   * Signs in and, only when that succeeds, makes it the profile's session (tokens and config): a
   * wrong password or an unreachable server leaves the previous sign-in as it was.
   */
  login(c: ClientConfig, email: string, password: string): Promise<Session>;
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
    async login(c, email, password) {
      const fresh = join(dir, `auth.new-${process.pid}`);
      rmSync(fresh, { recursive: true, force: true });
      try {
        await createSession(c, { storage: fileStorage(fresh) }).signIn(email, password);
      } catch (e) {
        rmSync(fresh, { recursive: true, force: true });
        throw e;
      }
      // Swap by renames, so at every moment `auth/` is one whole sign-in.
      const auth = join(dir, 'auth');
      const old = join(dir, `auth.old-${process.pid}`);
      if (existsSync(auth)) renameSync(auth, old);
      renameSync(fresh, auth);
      rmSync(old, { recursive: true, force: true });
      this.saveConfig(c);
      return createSession(c, { storage: fileStorage(auth) });
    },
    async api() {
      const session = createSession(this.config(), { storage: fileStorage(join(dir, 'auth')) });
      await session.currentUser(); // fail early and clearly when not signed in
      return createApi(session);
    },
    store: () => fileStore(join(dir, 'cache')),
  };
}
