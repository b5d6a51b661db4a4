/**
 * The IAM (SigV4-signed) operations the stack, its CLI and tests call: pools, app clients, groups and
 * Admin* user management. Which operations need a signature is cognito-admin-auth.ts.
 */
import { randomBytes } from 'node:crypto';
import { attributeList, checkPasswordPolicy, userPool, type IdpContext, type Operation } from './context.ts';
import { groupExists, invalidParameter, resourceNotFound, userNotFound } from './errors.ts';
import { attributeList as attributesOf, optionalBoolean, optionalNumber, optionalString, requiredString, storableName, stringList } from './params.ts';
import * as srp from './srp.ts';
import type { StoredClient, StoredPool, StoredUser } from './store.ts';
import { newUser } from './users.ts';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomId = (length: number, alphabet = ALNUM) => Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
const epochSeconds = (ms: number) => ms / 1000;

function poolDescription(pool: StoredPool) {
  return {
    Id: pool.id,
    Name: pool.name,
    UsernameAttributes: pool.usernameAttributes,
    AutoVerifiedAttributes: pool.autoVerifiedAttributes,
    Policies: { PasswordPolicy: { MinimumLength: pool.minimumPasswordLength, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true } },
    CreationDate: epochSeconds(pool.createdAt),
    LastModifiedDate: epochSeconds(pool.createdAt),
    EstimatedNumberOfUsers: Object.keys(pool.users).length,
    Arn: `arn:aws:cognito-idp:us-east-1:000000000000:userpool/${pool.id}`,
  };
}

function clientDescription(pool: StoredPool, c: StoredClient) {
  return {
    UserPoolId: pool.id,
    ClientId: c.clientId,
    ClientName: c.clientName,
    ...(c.clientSecret ? { ClientSecret: c.clientSecret } : {}),
    ExplicitAuthFlows: c.explicitAuthFlows,
    AccessTokenValidity: c.accessTokenValidity,
    IdTokenValidity: c.idTokenValidity,
    RefreshTokenValidity: c.refreshTokenValidity,
    TokenValidityUnits: { AccessToken: 'seconds', IdToken: 'seconds', RefreshToken: 'seconds' },
    EnableTokenRevocation: true,
    PreventUserExistenceErrors: c.preventUserExistenceErrors ? 'ENABLED' : 'LEGACY',
    CreationDate: epochSeconds(c.createdAt),
    LastModifiedDate: epochSeconds(c.createdAt),
  };
}

const userDescription = (u: StoredUser, attributesMember: 'Attributes' | 'UserAttributes') => ({
  Username: u.username,
  [attributesMember]: attributeList(u),
  UserCreateDate: epochSeconds(u.createdAt),
  UserLastModifiedDate: epochSeconds(u.updatedAt),
  Enabled: u.enabled,
  UserStatus: u.status,
});

function poolUser(ctx: IdpContext, body: Record<string, unknown>): { pool: StoredPool; user: StoredUser } {
  const pool = userPool(ctx, requiredString(body, 'UserPoolId'));
  const user = ctx.store.findUser(pool, requiredString(body, 'Username'));
  if (!user) throw userNotFound();
  return { pool, user };
}

const UNIT_SECONDS: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

/** A validity member in seconds, read with its TokenValidityUnits entry (Cognito's defaults: hours, hours, days). */
function validity(body: Record<string, unknown>, member: string, unitKey: string, fallbackUnit: string, fallback: number): number {
  const value = optionalNumber(body, member);
  const units = (body.TokenValidityUnits ?? {}) as Record<string, unknown>;
  const unit = typeof units[unitKey] === 'string' ? String(units[unitKey]) : fallbackUnit;
  if (!UNIT_SECONDS[unit]) throw invalidParameter(`Invalid TokenValidityUnits.${unitKey}: ${unit}`);
  return (value ?? fallback) * UNIT_SECONDS[unit]!;
}

function preventSetting(body: Record<string, unknown>): boolean | undefined {
  const v = optionalString(body, 'PreventUserExistenceErrors');
  if (v === undefined) return undefined;
  if (v !== 'ENABLED' && v !== 'LEGACY')
    throw invalidParameter(`1 validation error detected: Value '${v}' at 'preventUserExistenceErrors' failed to satisfy constraint: Member must satisfy enum value set: [LEGACY, ENABLED]`);
  return v === 'ENABLED';
}

export const createUserPool: Operation = (ctx, body) => {
  const name = requiredString(body, 'PoolName');
  const policy = (body.Policies as { PasswordPolicy?: { MinimumLength?: unknown } } | undefined)?.PasswordPolicy?.MinimumLength;
  const pool: StoredPool = {
    id: `${ctx.region}_${randomId(9)}`,
    name,
    usernameAttributes: stringList(body, 'UsernameAttributes') ?? [],
    autoVerifiedAttributes: stringList(body, 'AutoVerifiedAttributes') ?? [],
    minimumPasswordLength: typeof policy === 'number' && policy >= 6 && policy <= 99 ? policy : 8,
    createdAt: ctx.now(),
    clients: {},
    users: {},
    groups: {},
    refreshTokens: {},
  };
  ctx.store.addPool(pool);
  return { UserPool: poolDescription(pool) };
};

export const describeUserPool: Operation = (ctx, body) => ({ UserPool: poolDescription(userPool(ctx, requiredString(body, 'UserPoolId'))) });

export const createUserPoolClient: Operation = (ctx, body) => {
  const pool = userPool(ctx, requiredString(body, 'UserPoolId'));
  const client: StoredClient = {
    clientId: randomId(26, 'abcdefghijklmnopqrstuvwxyz0123456789'),
    clientName: requiredString(body, 'ClientName'),
    clientSecret: optionalBoolean(body, 'GenerateSecret') ? randomBytes(38).toString('base64url').slice(0, 51) : undefined,
    explicitAuthFlows: stringList(body, 'ExplicitAuthFlows') ?? ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_CUSTOM_AUTH'],
    accessTokenValidity: validity(body, 'AccessTokenValidity', 'AccessToken', 'hours', 1),
    idTokenValidity: validity(body, 'IdTokenValidity', 'IdToken', 'hours', 1),
    refreshTokenValidity: validity(body, 'RefreshTokenValidity', 'RefreshToken', 'days', 30),
    // Cognito's API default is LEGACY (its console and the CDK stack here choose ENABLED).
    preventUserExistenceErrors: preventSetting(body) ?? false,
    createdAt: ctx.now(),
  };
  pool.clients[client.clientId] = client;
  ctx.store.save();
  return { UserPoolClient: clientDescription(pool, client) };
};

function poolClient(ctx: IdpContext, body: Record<string, unknown>): { pool: StoredPool; client: StoredClient } {
  const pool = userPool(ctx, requiredString(body, 'UserPoolId'));
  const clientId = requiredString(body, 'ClientId');
  const client = Object.hasOwn(pool.clients, clientId) ? pool.clients[clientId] : undefined;
  if (!client) throw resourceNotFound(`User pool client ${clientId} does not exist.`);
  return { pool, client };
}

export const describeUserPoolClient: Operation = (ctx, body) => {
  const { pool, client } = poolClient(ctx, body);
  return { UserPoolClient: clientDescription(pool, client) };
};

export const updateUserPoolClient: Operation = (ctx, body) => {
  const { pool, client } = poolClient(ctx, body);
  client.clientName = optionalString(body, 'ClientName') ?? client.clientName;
  client.explicitAuthFlows = stringList(body, 'ExplicitAuthFlows') ?? client.explicitAuthFlows;
  // As in Cognito, an update resets what it leaves out to the defaults.
  client.accessTokenValidity = validity(body, 'AccessTokenValidity', 'AccessToken', 'hours', 1);
  client.idTokenValidity = validity(body, 'IdTokenValidity', 'IdToken', 'hours', 1);
  client.refreshTokenValidity = validity(body, 'RefreshTokenValidity', 'RefreshToken', 'days', 30);
  client.preventUserExistenceErrors = preventSetting(body) ?? client.preventUserExistenceErrors;
  ctx.store.save();
  return { UserPoolClient: clientDescription(pool, client) };
};

export const adminCreateUser: Operation = (ctx, body) => {
  const pool = userPool(ctx, requiredString(body, 'UserPoolId'));
  const name = requiredString(body, 'Username');
  const action = optionalString(body, 'MessageAction');
  if (action !== undefined && action !== 'SUPPRESS' && action !== 'RESEND') throw invalidParameter(`Invalid MessageAction ${action}`);
  const temporary = optionalString(body, 'TemporaryPassword');
  if (temporary !== undefined) checkPasswordPolicy(pool, temporary);
  const user = newUser(ctx, pool, name, attributesOf(body, 'UserAttributes'), 'FORCE_CHANGE_PASSWORD');
  // Without a temporary password Cognito generates one and mails it: locally nobody could read it,
  // so such a user signs in only after AdminSetUserPassword.
  if (temporary !== undefined) user.password = srp.createVerifier(srp.poolNameOf(pool.id), user.username, temporary);
  pool.users[user.username] = user;
  ctx.store.save();
  return { User: userDescription(user, 'Attributes') };
};

export const adminGetUser: Operation = (ctx, body) => {
  const { user } = poolUser(ctx, body);
  return userDescription(user, 'UserAttributes');
};

export const adminSetUserPassword: Operation = (ctx, body) => {
  const { pool, user } = poolUser(ctx, body);
  const password = requiredString(body, 'Password');
  checkPasswordPolicy(pool, password);
  user.password = srp.createVerifier(srp.poolNameOf(pool.id), user.username, password);
  user.status = optionalBoolean(body, 'Permanent') ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD';
  user.updatedAt = ctx.now();
  ctx.store.save();
  return {};
};

export const adminConfirmSignUp: Operation = (ctx, body) => {
  const { user } = poolUser(ctx, body);
  user.status = 'CONFIRMED';
  delete user.signUpCode;
  ctx.store.save();
  return {};
};

export const adminDeleteUser: Operation = (ctx, body) => {
  const { pool, user } = poolUser(ctx, body);
  delete pool.users[user.username];
  for (const t of Object.values(pool.refreshTokens)) if (t.username === user.username) t.revoked = true;
  ctx.store.save();
  return {};
};

const setEnabled =
  (enabled: boolean): Operation =>
  (ctx, body) => {
    const { user } = poolUser(ctx, body);
    user.enabled = enabled;
    ctx.store.save();
    return {};
  };
export const adminDisableUser = setEnabled(false);
export const adminEnableUser = setEnabled(true);

export const adminUserGlobalSignOut: Operation = (ctx, body) => {
  const { pool, user } = poolUser(ctx, body);
  ctx.tokens.signOutEverywhere(pool, user);
  return {};
};

export const listUsers: Operation = (ctx, body) => {
  const pool = userPool(ctx, requiredString(body, 'UserPoolId'));
  const filter = optionalString(body, 'Filter');
  let users = Object.values(pool.users);
  if (filter) {
    const m = /^\s*([\w:]+)\s*(=|\^=)\s*"([^"]*)"\s*$/.exec(filter);
    if (!m) throw invalidParameter('Invalid search filter');
    const [, attr, op, value] = m;
    const of = (u: StoredUser) => (attr === 'username' ? u.username : attr === 'status' || attr === 'cognito:user_status' ? u.status : u.attributes[attr!]);
    users = users.filter((u) => (op === '=' ? of(u) === value : (of(u) ?? '').startsWith(value!)));
  }
  return { Users: users.map((u) => userDescription(u, 'Attributes')) };
};

export const createGroup: Operation = (ctx, body) => {
  const pool = userPool(ctx, requiredString(body, 'UserPoolId'));
  const name = storableName(requiredString(body, 'GroupName'), 'GroupName');
  if (Object.hasOwn(pool.groups, name)) throw groupExists('A group with the name already exists.');
  pool.groups[name] = { groupName: name, description: optionalString(body, 'Description'), precedence: optionalNumber(body, 'Precedence'), createdAt: ctx.now() };
  ctx.store.save();
  return { Group: groupDescription(pool, name) };
};

function groupDescription(pool: StoredPool, name: string) {
  const g = pool.groups[name]!;
  return { GroupName: g.groupName, UserPoolId: pool.id, Description: g.description, Precedence: g.precedence, CreationDate: epochSeconds(g.createdAt), LastModifiedDate: epochSeconds(g.createdAt) };
}

export const listGroups: Operation = (ctx, body) => {
  const pool = userPool(ctx, requiredString(body, 'UserPoolId'));
  return { Groups: Object.keys(pool.groups).map((n) => groupDescription(pool, n)) };
};

function existingGroup(pool: StoredPool, body: Record<string, unknown>): string {
  const name = requiredString(body, 'GroupName');
  if (!Object.hasOwn(pool.groups, name)) throw resourceNotFound('Group not found.');
  return name;
}

export const adminAddUserToGroup: Operation = (ctx, body) => {
  const { pool, user } = poolUser(ctx, body);
  const name = existingGroup(pool, body);
  if (!user.groups.includes(name)) user.groups.push(name);
  ctx.store.save();
  return {};
};

export const adminRemoveUserFromGroup: Operation = (ctx, body) => {
  const { pool, user } = poolUser(ctx, body);
  const name = existingGroup(pool, body);
  user.groups = user.groups.filter((g) => g !== name);
  ctx.store.save();
  return {};
};

export const adminListGroupsForUser: Operation = (ctx, body) => {
  const { pool, user } = poolUser(ctx, body);
  return { Groups: user.groups.filter((g) => Object.hasOwn(pool.groups, g)).map((g) => groupDescription(pool, g)) };
};
