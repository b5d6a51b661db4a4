/**
 * Sign-in: InitiateAuth (USER_SRP_AUTH, USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH), AdminInitiateAuth
 * (ADMIN_USER_PASSWORD_AUTH), RespondToAuthChallenge (PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED) and
 * GetTokensFromRefreshToken, with Cognito's parameters, challenge shapes and error types.
 * An unknown user is UserNotFoundException for an app client whose PreventUserExistenceErrors is
 * LEGACY; with ENABLED (the local stack's client, like the CDK stack's) it is answered as a wrong
 * password, after a PASSWORD_VERIFIER challenge that looks like a real one. Account state is only
 * revealed after a correct password.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { appClient, checkPasswordPolicy, checkSecretHash, requireFlow, userPool, type IdpContext, type Operation } from './context.ts';
import { CognitoError, incorrectCredentials, invalidParameter, notAuthorized, userNotConfirmed, userNotFound } from './errors.ts';
import { requiredString, stringMap } from './params.ts';
import * as srp from './srp.ts';
import type { StoredClient, StoredPool, StoredUser } from './store.ts';

/** A TIMESTAMP further than this from the issuer's clock is refused (both machines' clocks may drift). */
const TIMESTAMP_SKEW_MS = 5 * 60_000;

const missingParameter = (name: string) => invalidParameter(`Missing required parameter ${name}`);
const param = (params: Record<string, string>, name: string) => {
  const v = params[name];
  if (!v) throw missingParameter(name);
  return v;
};

const AUTH_FLOWS = ['USER_SRP_AUTH', 'REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN', 'CUSTOM_AUTH', 'ADMIN_NO_SRP_AUTH', 'USER_PASSWORD_AUTH', 'ADMIN_USER_PASSWORD_AUTH', 'USER_AUTH'];

function authFlow(body: Record<string, unknown>): string {
  const flow = requiredString(body, 'AuthFlow');
  if (!AUTH_FLOWS.includes(flow)) {
    throw invalidParameter(`1 validation error detected: Value '${flow}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [${AUTH_FLOWS.join(', ')}]`);
  }
  return flow;
}

function existingUser(ctx: IdpContext, pool: StoredPool, client: StoredClient, name: string): StoredUser {
  const user = ctx.store.findUser(pool, name);
  if (!user) throw client.preventUserExistenceErrors ? incorrectCredentials() : userNotFound();
  return user;
}

/** Per process: what an unknown user's stand-in salt and verifier are derived from (stable for a name, unguessable). */
const FAKE_SECRET = randomBytes(32);

/** A salt and verifier for a user that does not exist, the same each time for the same name. */
function standInVerifier(poolId: string, name: string): srp.Verifier {
  const seed = createHmac('sha256', FAKE_SECRET).update(`${poolId}\n${name.toLowerCase()}`).digest();
  return { salt: seed.subarray(0, 16).toString('hex'), verifier: srp.modPow(srp.g, BigInt(`0x${seed.toString('hex')}`), srp.N).toString(16) };
}

/** After the password was proven: tokens, or the challenge or error the account's state calls for. */
async function completeSignIn(ctx: IdpContext, pool: StoredPool, client: StoredClient, user: StoredUser): Promise<Record<string, unknown>> {
  if (!user.enabled) throw notAuthorized('User is disabled.');
  if (user.status === 'UNCONFIRMED') throw userNotConfirmed();
  if (user.status === 'RESET_REQUIRED') throw new CognitoError('PasswordResetRequiredException', 'Password reset required for the user');
  if (user.status === 'FORCE_CHANGE_PASSWORD') {
    const { sub: _sub, ...visible } = user.attributes;
    return {
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      Session: ctx.challenges.open({ poolId: pool.id, clientId: client.clientId, username: user.username, state: { kind: 'NEW_PASSWORD_REQUIRED' } }),
      ChallengeParameters: { USER_ID_FOR_SRP: user.username, requiredAttributes: '[]', userAttributes: JSON.stringify(visible) },
    };
  }
  return { ChallengeParameters: {}, AuthenticationResult: await ctx.tokens.signIn(pool, client, user) };
}

function checkPassword(pool: StoredPool, user: StoredUser, password: string): void {
  if (!user.password || !srp.passwordMatches(user.password, srp.poolNameOf(pool.id), user.username, password)) throw incorrectCredentials();
}

async function refreshFlow(ctx: IdpContext, pool: StoredPool, client: StoredClient, params: Record<string, string>): Promise<Record<string, unknown>> {
  requireFlow(client, 'REFRESH_TOKEN_AUTH');
  const result = await ctx.tokens.refresh(pool, client, param(params, 'REFRESH_TOKEN'));
  return { ChallengeParameters: {}, AuthenticationResult: result };
}

export const initiateAuth: Operation = async (ctx, body) => {
  const flow = authFlow(body);
  const { pool, client } = appClient(ctx, requiredString(body, 'ClientId'));
  const params = stringMap(body, 'AuthParameters');
  if (flow === 'REFRESH_TOKEN_AUTH' || flow === 'REFRESH_TOKEN') return refreshFlow(ctx, pool, client, params);
  if (flow === 'USER_PASSWORD_AUTH') {
    requireFlow(client, 'USER_PASSWORD_AUTH');
    const user = existingUser(ctx, pool, client, param(params, 'USERNAME'));
    checkSecretHash(client, params.USERNAME!, params.SECRET_HASH);
    checkPassword(pool, user, param(params, 'PASSWORD'));
    return completeSignIn(ctx, pool, client, user);
  }
  if (flow === 'USER_SRP_AUTH') {
    requireFlow(client, 'USER_SRP_AUTH');
    const name = param(params, 'USERNAME');
    const A = srp.parseClientPublic(param(params, 'SRP_A'));
    if (A === undefined) throw invalidParameter('SRP_A is not a valid SRP public value');
    checkSecretHash(client, name, params.SECRET_HASH);
    const found = ctx.store.findUser(pool, name);
    if (!found && !client.preventUserExistenceErrors) throw userNotFound();
    // No user, or one without a password yet: a challenge no answer can pass (username '' matches nobody).
    const password = found?.password ?? standInVerifier(pool.id, name);
    const username = found?.password ? found.username : '';
    if (found && !found.password && !client.preventUserExistenceErrors) throw incorrectCredentials();
    const eph = srp.serverEphemeral(password.verifier);
    const secretBlock = ctx.challenges.open({ poolId: pool.id, clientId: client.clientId, username, state: { kind: 'PASSWORD_VERIFIER', A, eph, verifier: password.verifier } });
    const id = found?.username ?? name;
    return {
      ChallengeName: 'PASSWORD_VERIFIER',
      ChallengeParameters: { SALT: password.salt, SECRET_BLOCK: secretBlock, SRP_B: eph.B.toString(16), USERNAME: id, USER_ID_FOR_SRP: id },
    };
  }
  if (flow === 'CUSTOM_AUTH') throw invalidParameter('Custom auth lambda trigger is not configured for the user pool.');
  throw invalidParameter(`${flow} flow not enabled for this client`);
};

export const adminInitiateAuth: Operation = async (ctx, body) => {
  const flow = authFlow(body);
  const pool = userPool(ctx, requiredString(body, 'UserPoolId'));
  const { pool: owner, client } = appClient(ctx, requiredString(body, 'ClientId'));
  if (owner.id !== pool.id) throw invalidParameter(`User pool client ${client.clientId} does not exist.`);
  const params = stringMap(body, 'AuthParameters');
  if (flow === 'REFRESH_TOKEN_AUTH' || flow === 'REFRESH_TOKEN') return refreshFlow(ctx, pool, client, params);
  if (flow !== 'ADMIN_USER_PASSWORD_AUTH' && flow !== 'ADMIN_NO_SRP_AUTH') throw invalidParameter(`${flow} flow not enabled for this client`);
  requireFlow(client, 'ADMIN_USER_PASSWORD_AUTH');
  const user = existingUser(ctx, pool, client, param(params, 'USERNAME'));
  checkSecretHash(client, params.USERNAME!, params.SECRET_HASH);
  checkPassword(pool, user, param(params, 'PASSWORD'));
  return completeSignIn(ctx, pool, client, user);
};

export const respondToAuthChallenge: Operation = async (ctx, body) => {
  const { pool, client } = appClient(ctx, requiredString(body, 'ClientId'));
  const name = requiredString(body, 'ChallengeName');
  const responses = stringMap(body, 'ChallengeResponses');
  if (name === 'PASSWORD_VERIFIER') {
    const username = param(responses, 'USERNAME');
    const secretBlock = param(responses, 'PASSWORD_CLAIM_SECRET_BLOCK');
    const signature = param(responses, 'PASSWORD_CLAIM_SIGNATURE');
    const timestamp = param(responses, 'TIMESTAMP');
    const at = srp.parseTimestamp(timestamp);
    if (at === undefined) throw invalidParameter('TIMESTAMP is not in the format EEE MMM d HH:mm:ss z yyyy');
    const challenge = ctx.challenges.take(secretBlock);
    const state = challenge.state as { kind: string; A: bigint; eph: srp.ServerEphemeral; verifier: string };
    if (state.kind !== 'PASSWORD_VERIFIER' || challenge.clientId !== client.clientId) throw notAuthorized('Invalid session for the user.');
    const user = ctx.store.findUser(pool, username);
    if (!user || !challenge.username || user.username !== challenge.username) throw incorrectCredentials();
    checkSecretHash(client, username, responses.SECRET_HASH);
    if (Math.abs(at - ctx.now()) > TIMESTAMP_SKEW_MS) throw notAuthorized('Timestamp is not within the allowed range of the server clock.');
    const key = srp.passwordAuthenticationKey(state.A, state.eph, state.verifier);
    const poolName = srp.poolNameOf(pool.id);
    // The password may have changed since the challenge began: the claim is checked against the verifier then.
    if (!key || !srp.signaturesEqual(srp.claimSignature(key, poolName, user.username, Buffer.from(secretBlock, 'base64'), timestamp), signature)) throw incorrectCredentials();
    return completeSignIn(ctx, pool, client, user);
  }
  if (name === 'NEW_PASSWORD_REQUIRED') {
    const challenge = ctx.challenges.take(requiredString(body, 'Session'));
    if ((challenge.state as { kind: string }).kind !== 'NEW_PASSWORD_REQUIRED' || challenge.clientId !== client.clientId) throw notAuthorized('Invalid session for the user.');
    const user = pool.users[challenge.username];
    if (!user) throw userNotFound();
    const password = param(responses, 'NEW_PASSWORD');
    checkPasswordPolicy(pool, password);
    for (const [k, v] of Object.entries(responses)) {
      const attr = k.startsWith('userAttributes.') ? k.slice('userAttributes.'.length) : undefined;
      if (attr && attr !== 'sub' && attr !== '__proto__') user.attributes[attr] = v;
    }
    user.password = srp.createVerifier(srp.poolNameOf(pool.id), user.username, password);
    user.status = 'CONFIRMED';
    user.updatedAt = ctx.now();
    ctx.store.save();
    return completeSignIn(ctx, pool, client, user);
  }
  throw invalidParameter(`Challenge ${name} is not supported by the local issuer (PASSWORD_VERIFIER and NEW_PASSWORD_REQUIRED are)`);
};

export const getTokensFromRefreshToken: Operation = async (ctx, body) => {
  const { pool, client } = appClient(ctx, requiredString(body, 'ClientId'));
  requireFlow(client, 'REFRESH_TOKEN_AUTH');
  const result = await ctx.tokens.refresh(pool, client, requiredString(body, 'RefreshToken'));
  return { AuthenticationResult: result };
};
