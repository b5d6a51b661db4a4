/** What every operation of the issuer works with, and the checks several of them share. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ChallengeStore } from './challenges.ts';
import type { CodeDelivery } from './codes.ts';
import { invalidParameter, invalidPassword, notAuthorized, resourceNotFound } from './errors.ts';
import type { Store, StoredClient, StoredPool, StoredUser } from './store.ts';
import type { TokenIssuer } from './tokens.ts';

export interface IdpContext {
  store: Store;
  tokens: TokenIssuer;
  challenges: ChallengeStore;
  codes: CodeDelivery;
  now: () => number;
  region: string;
}

export type Operation = (ctx: IdpContext, body: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>;

export function appClient(ctx: IdpContext, clientId: string): { pool: StoredPool; client: StoredClient } {
  const found = ctx.store.client(clientId);
  if (!found) throw resourceNotFound(`User pool client ${clientId} does not exist.`);
  return found;
}

export function userPool(ctx: IdpContext, userPoolId: string): StoredPool {
  const pool = ctx.store.pool(userPoolId);
  if (!pool) throw resourceNotFound(`User pool ${userPoolId} does not exist.`);
  return pool;
}

/** SECRET_HASH = base64 HMAC-SHA256(client secret, username + client id), required only of clients with a secret. */
export function checkSecretHash(client: StoredClient, username: string, secretHash: string | undefined): void {
  if (!client.clientSecret) return;
  if (!secretHash) throw notAuthorized(`Client ${client.clientId} is configured with secret but SECRET_HASH was not received`);
  const expected = createHmac('sha256', client.clientSecret)
    .update(username + client.clientId)
    .digest();
  const got = Buffer.from(secretHash, 'base64');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw notAuthorized(`Unable to verify secret hash for client ${client.clientId}`);
}

export function requireFlow(client: StoredClient, flow: string): void {
  if (!client.explicitAuthFlows.includes(`ALLOW_${flow}`)) throw invalidParameter(`${flow} flow not enabled for this client`);
}

/** Cognito's default password policy: 8 characters or more, with upper and lower case letters, a digit and a symbol. */
export function checkPasswordPolicy(pool: StoredPool, password: string): void {
  const fail = (why: string) => {
    throw invalidPassword(`Password did not conform with policy: ${why}`);
  };
  if (password.length < pool.minimumPasswordLength) fail('Password not long enough');
  if (password.length > 256) fail('Password is too long');
  if (!/[a-z]/.test(password)) fail('Password must have lowercase characters');
  if (!/[A-Z]/.test(password)) fail('Password must have uppercase characters');
  if (!/[0-9]/.test(password)) fail('Password must have numeric characters');
  if (!/[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/.test(password)) fail('Password must have symbol characters');
}

export const attributeList = (user: StoredUser) => Object.entries(user.attributes).map(([Name, Value]) => ({ Name, Value }));

/** "a***@e***", as Cognito masks a code's destination. */
export const maskEmail = (email: string) => {
  const [local = '', domain = ''] = email.split('@');
  return `${local.charAt(0)}***@${domain.charAt(0)}***`;
};
