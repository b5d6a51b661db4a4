/**
 * What anyone may call about their own account: SignUp, ConfirmSignUp, ResendConfirmationCode,
 * ForgotPassword, ConfirmForgotPassword, and, with an access token, GetUser, ChangePassword,
 * GlobalSignOut; RevokeToken with a refresh token.
 */
import { randomUUID } from 'node:crypto';
import { appClient, attributeList, checkPasswordPolicy, checkSecretHash, maskEmail, type IdpContext, type Operation } from './context.ts';
import { codeMismatch, expiredCode, incorrectCredentials, invalidParameter, notAuthorized, userNotFound, usernameExists } from './errors.ts';
import { attributeList as attributesOf, requiredString, optionalString, storableName } from './params.ts';
import * as srp from './srp.ts';
import { hashSecret, type StoredCode, type StoredPool, type StoredUser } from './store.ts';

const IMMUTABLE = new Set(['sub', 'cognito:user_status', 'email_verified', 'phone_number_verified']);

/** A new user of a pool; with email as the username attribute, its internal username is its sub. */
export function newUser(ctx: IdpContext, pool: StoredPool, givenName: string, attrs: Array<{ name: string; value: string }>, status: StoredUser['status']): StoredUser {
  const sub = randomUUID();
  const emailLogin = pool.usernameAttributes.includes('email');
  const attributes: Record<string, string> = { sub };
  for (const { name, value } of attrs) {
    if (name === 'sub' || name === '__proto__') continue;
    attributes[name] = value;
  }
  if (emailLogin) {
    if (!/^[^@\s]+@[^@\s]+$/.test(givenName)) throw invalidParameter('Username should be an email.');
    attributes.email ??= givenName;
  }
  const username = emailLogin ? sub : storableName(givenName, 'Username');
  const email = attributes.email?.toLowerCase();
  const taken = Object.values(pool.users).some((u) => u.username.toLowerCase() === username.toLowerCase() || (emailLogin && email !== undefined && u.attributes.email?.toLowerCase() === email));
  if (taken) throw usernameExists(emailLogin ? 'An account with the given email already exists.' : 'User account already exists');
  const now = ctx.now();
  return { username, attributes, status, enabled: true, groups: [], createdAt: now, updatedAt: now };
}

function checkCode(ctx: IdpContext, stored: StoredCode | undefined, code: string): void {
  if (!stored || stored.hash !== hashSecret(code)) throw codeMismatch();
  if (stored.expiresAt <= ctx.now()) throw expiredCode();
}

const delivery = (user: StoredUser) => ({ Destination: maskEmail(user.attributes.email ?? ''), DeliveryMedium: 'EMAIL', AttributeName: 'email' });

export const signUp: Operation = (ctx, body) => {
  const { pool, client } = appClient(ctx, requiredString(body, 'ClientId'));
  const name = requiredString(body, 'Username');
  const password = requiredString(body, 'Password');
  checkSecretHash(client, name, optionalString(body, 'SecretHash'));
  checkPasswordPolicy(pool, password);
  const user = newUser(ctx, pool, name, attributesOf(body, 'UserAttributes'), 'UNCONFIRMED');
  user.password = srp.createVerifier(srp.poolNameOf(pool.id), user.username, password);
  user.signUpCode = ctx.codes.send(pool, user, 'SIGN_UP');
  pool.users[user.username] = user;
  ctx.store.save();
  return { UserConfirmed: false, UserSub: user.attributes.sub, CodeDeliveryDetails: delivery(user) };
};

/** The user a code operation names. Unknown with PreventUserExistenceErrors: `stand-in` answers as if a code went out. */
function userByName(ctx: IdpContext, body: Record<string, unknown>, standIn?: () => Record<string, unknown>) {
  const { pool, client } = appClient(ctx, requiredString(body, 'ClientId'));
  const name = requiredString(body, 'Username');
  checkSecretHash(client, name, optionalString(body, 'SecretHash'));
  const user = ctx.store.findUser(pool, name);
  if (!user) {
    if (!client.preventUserExistenceErrors) throw userNotFound();
    if (standIn) throw new StandIn(standIn());
    throw codeMismatch();
  }
  return { pool, user };
}

/** Carries the answer for an unknown user out of userByName (caught by `answering`). */
class StandIn {
  constructor(readonly answer: Record<string, unknown>) {}
}

const answering =
  (op: Operation): Operation =>
  async (ctx, body) => {
    try {
      return await op(ctx, body);
    } catch (e) {
      if (e instanceof StandIn) return e.answer;
      throw e;
    }
  };

const standInDelivery = (body: Record<string, unknown>) => () => ({ CodeDeliveryDetails: { Destination: maskEmail(String(body.Username)), DeliveryMedium: 'EMAIL', AttributeName: 'email' } });

export const confirmSignUp: Operation = (ctx, body) => {
  const { user } = userByName(ctx, body);
  const code = requiredString(body, 'ConfirmationCode');
  if (user.status !== 'UNCONFIRMED') throw notAuthorized(`User cannot be confirmed. Current status is ${user.status}`);
  checkCode(ctx, user.signUpCode, code);
  user.status = 'CONFIRMED';
  if (user.attributes.email) user.attributes.email_verified = 'true';
  delete user.signUpCode;
  user.updatedAt = ctx.now();
  ctx.store.save();
  return {};
};

export const resendConfirmationCode: Operation = answering((ctx, body) => {
  const { pool, user } = userByName(ctx, body, standInDelivery(body));
  if (user.status !== 'UNCONFIRMED') throw invalidParameter('User is already confirmed.');
  user.signUpCode = ctx.codes.send(pool, user, 'SIGN_UP');
  ctx.store.save();
  return { CodeDeliveryDetails: delivery(user) };
});

export const forgotPassword: Operation = answering((ctx, body) => {
  const { pool, user } = userByName(ctx, body, standInDelivery(body));
  if (!user.enabled) throw notAuthorized('User is disabled.');
  user.resetCode = ctx.codes.send(pool, user, 'FORGOT_PASSWORD');
  ctx.store.save();
  return { CodeDeliveryDetails: delivery(user) };
});

export const confirmForgotPassword: Operation = (ctx, body) => {
  const { pool, user } = userByName(ctx, body);
  const code = requiredString(body, 'ConfirmationCode');
  const password = requiredString(body, 'Password');
  checkCode(ctx, user.resetCode, code);
  checkPasswordPolicy(pool, password);
  user.password = srp.createVerifier(srp.poolNameOf(pool.id), user.username, password);
  if (user.status === 'RESET_REQUIRED' || user.status === 'FORCE_CHANGE_PASSWORD') user.status = 'CONFIRMED';
  delete user.resetCode;
  user.updatedAt = ctx.now();
  ctx.store.save();
  return {};
};

export const getUser: Operation = async (ctx, body) => {
  const { user } = await ctx.tokens.userOfAccessToken(requiredString(body, 'AccessToken'));
  return { Username: user.username, UserAttributes: attributeList(user), MFAOptions: [], UserMFASettingList: [] };
};

export const changePassword: Operation = async (ctx, body) => {
  const { pool, user } = await ctx.tokens.userOfAccessToken(requiredString(body, 'AccessToken'));
  const previous = requiredString(body, 'PreviousPassword');
  const proposed = requiredString(body, 'ProposedPassword');
  if (!user.password || !srp.passwordMatches(user.password, srp.poolNameOf(pool.id), user.username, previous)) throw incorrectCredentials();
  checkPasswordPolicy(pool, proposed);
  user.password = srp.createVerifier(srp.poolNameOf(pool.id), user.username, proposed);
  user.updatedAt = ctx.now();
  ctx.store.save();
  return {};
};

export const updateUserAttributes: Operation = async (ctx, body) => {
  const { user } = await ctx.tokens.userOfAccessToken(requiredString(body, 'AccessToken'));
  for (const { name, value } of attributesOf(body, 'UserAttributes')) {
    if (IMMUTABLE.has(name) || name === '__proto__') throw invalidParameter(`Cannot modify the attribute ${name}.`);
    user.attributes[name] = value;
  }
  user.updatedAt = ctx.now();
  ctx.store.save();
  return { CodeDeliveryDetailsList: [] };
};

export const globalSignOut: Operation = async (ctx, body) => {
  const { pool, user } = await ctx.tokens.userOfAccessToken(requiredString(body, 'AccessToken'));
  ctx.tokens.signOutEverywhere(pool, user);
  return {};
};

export const revokeToken: Operation = (ctx, body) => {
  const { client } = appClient(ctx, requiredString(body, 'ClientId'));
  const token = requiredString(body, 'Token');
  if (client.clientSecret && optionalString(body, 'ClientSecret') !== client.clientSecret) throw notAuthorized(`Unable to verify secret for client ${client.clientId}`);
  ctx.tokens.revoke(client, token);
  return {};
};
