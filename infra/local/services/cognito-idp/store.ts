/**
 * The issuer's state, one JSON file under its data directory (`user-pools.json`, owner-only),
 * rewritten whole through a temp file and a rename on every change, so a crash leaves the old or the
 * new state, never half of one. One process owns it: others reach the running issuer over HTTP.
 * Passwords are never kept, only SRP verifiers; codes and refresh tokens only as SHA-256 hashes.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Verifier } from './srp.ts';

export type UserStatus = 'UNCONFIRMED' | 'CONFIRMED' | 'FORCE_CHANGE_PASSWORD' | 'RESET_REQUIRED';

export interface StoredCode {
  hash: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface StoredUser {
  /** The internal username: for pools with email as the username attribute, a UUID (= sub). */
  username: string;
  attributes: Record<string, string>;
  status: UserStatus;
  enabled: boolean;
  password?: Verifier;
  groups: string[];
  createdAt: number;
  updatedAt: number;
  signUpCode?: StoredCode;
  resetCode?: StoredCode;
}

export interface StoredClient {
  clientId: string;
  clientName: string;
  clientSecret?: string;
  explicitAuthFlows: string[];
  /** Seconds. */
  accessTokenValidity: number;
  idTokenValidity: number;
  refreshTokenValidity: number;
  /** PreventUserExistenceErrors ENABLED: an unknown user is answered as a wrong password (or a code sent / a wrong code). */
  preventUserExistenceErrors?: boolean;
  createdAt: number;
}

export interface StoredGroup {
  groupName: string;
  description?: string;
  precedence?: number;
  createdAt: number;
}

export interface StoredRefreshToken {
  username: string;
  clientId: string;
  /** The `origin_jti` of every access / id token obtained with it (RevokeToken refuses those too). */
  originJti: string;
  authTime: number;
  /** Epoch ms. */
  expiresAt: number;
  revoked?: boolean;
}

export interface StoredPool {
  id: string;
  name: string;
  usernameAttributes: string[];
  autoVerifiedAttributes: string[];
  minimumPasswordLength: number;
  createdAt: number;
  clients: Record<string, StoredClient>;
  users: Record<string, StoredUser>;
  groups: Record<string, StoredGroup>;
  /** Keyed by the SHA-256 of the token. */
  refreshTokens: Record<string, StoredRefreshToken>;
}

interface StoreFile {
  version: 1;
  pools: Record<string, StoredPool>;
}

export const hashSecret = (s: string) => createHash('sha256').update(s).digest('hex');

export class Store {
  private data: StoreFile;

  constructor(
    private readonly file: string,
    private readonly now: () => number,
  ) {
    this.data = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StoreFile) : { version: 1, pools: {} };
  }

  pool(id: string): StoredPool | undefined {
    return Object.hasOwn(this.data.pools, id) ? this.data.pools[id] : undefined;
  }

  pools(): StoredPool[] {
    return Object.values(this.data.pools);
  }

  addPool(pool: StoredPool): void {
    this.data.pools[pool.id] = pool;
    this.save();
  }

  /** The pool that owns an app client, and the client. */
  client(clientId: string): { pool: StoredPool; client: StoredClient } | undefined {
    for (const pool of this.pools()) if (Object.hasOwn(pool.clients, clientId)) return { pool, client: pool.clients[clientId]! };
    return undefined;
  }

  /** A user by internal username, or by an alias attribute (email) when the pool signs in with it. */
  findUser(pool: StoredPool, name: string): StoredUser | undefined {
    if (Object.hasOwn(pool.users, name)) return pool.users[name];
    const lower = name.toLowerCase();
    for (const u of Object.values(pool.users)) {
      if (u.username.toLowerCase() === lower) return u;
      if (pool.usernameAttributes.some((a) => u.attributes[a]?.toLowerCase() === lower)) return u;
    }
    return undefined;
  }

  /** Writes the whole state; expired refresh tokens are dropped on the way. */
  save(): void {
    const now = this.now();
    for (const pool of this.pools()) {
      for (const [h, t] of Object.entries(pool.refreshTokens)) if (t.expiresAt < now) delete pool.refreshTokens[h];
    }
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.data)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
