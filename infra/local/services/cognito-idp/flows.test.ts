/**
 * The issuer's user-pool protocol over real HTTP, driven by raw calls (and the SRP client half
 * wherever a test must send what Amplify never would: a tampered proof, a replay, a stale answer).
 * The issuer's clock is the test's, so expiry is tested without waiting.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCognito, type LocalCognito } from '../cognito.ts';
import * as srp from './srp.ts';

const DEV = { accessKeyId: 'AKIALOCALFLOWS0001', secretAccessKey: 'the-dev-secret-of-flows' };
const PASSWORD = 'Fl0ws-Passw0rd!';
let clock = Date.UTC(2026, 11, 3, 12, 0, 0);
let dataDir: string;
let cognito: LocalCognito;
const logs: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cognito-flows-'));
  cognito = await startCognito({ dataDir, adminCredentials: DEV, now: () => clock, log: (l) => logs.push(l) });
  await cognito.createUser({ email: 'ivy@example.com', password: PASSWORD, groups: ['editors'] });
});

afterAll(async () => {
  await cognito?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A raw, unsigned call as Amplify makes it: the answer's status and JSON body. */
async function raw(action: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${cognito.endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${action}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const errorOf = (r: { status: number; body: Record<string, unknown> }) => ({ status: r.status, type: r.body.__type, message: r.body.message });

/** The PASSWORD_VERIFIER challenge for a user, and what a correct answer to it would carry. */
async function srpChallenge(email: string, password = PASSWORD) {
  const a = srp.clientEphemeral();
  const init = await raw('InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: cognito.clientId, AuthParameters: { USERNAME: email, SRP_A: a.A.toString(16) } });
  expect(init.status).toBe(200);
  expect(init.body.ChallengeName).toBe('PASSWORD_VERIFIER');
  const p = init.body.ChallengeParameters as Record<string, string>;
  const timestamp = srp.formatTimestamp(clock);
  const signature = srp.clientClaim({
    a,
    poolName: srp.poolNameOf(cognito.userPoolId),
    username: p.USER_ID_FOR_SRP!,
    password,
    salt: p.SALT!,
    srpB: p.SRP_B!,
    secretBlock: p.SECRET_BLOCK!,
    timestamp,
  });
  const answer = (over: Partial<Record<string, string>> = {}) =>
    raw('RespondToAuthChallenge', {
      ClientId: cognito.clientId,
      ChallengeName: 'PASSWORD_VERIFIER',
      ChallengeResponses: { USERNAME: p.USER_ID_FOR_SRP, PASSWORD_CLAIM_SECRET_BLOCK: p.SECRET_BLOCK, TIMESTAMP: timestamp, PASSWORD_CLAIM_SIGNATURE: signature, ...over },
    });
  return { params: p, signature, answer };
}

async function signedIn(email = 'ivy@example.com') {
  const r = await (await srpChallenge(email)).answer();
  expect(r.status).toBe(200);
  return r.body.AuthenticationResult as { AccessToken: string; IdToken: string; RefreshToken: string; ExpiresIn: number };
}

describe('USER_SRP_AUTH and PASSWORD_VERIFIER', () => {
  it("issues RS256 tokens with Cognito's claims for a correct proof", async () => {
    const { params, answer } = await srpChallenge('ivy@example.com');
    expect(params.USERNAME).toBe(params.USER_ID_FOR_SRP);
    expect(params.SALT).toMatch(/^[0-9a-f]+$/);
    const r = await answer();
    const t = r.body.AuthenticationResult as { AccessToken: string; IdToken: string; RefreshToken: string; ExpiresIn: number; TokenType: string };
    expect({ ExpiresIn: t.ExpiresIn, TokenType: t.TokenType }).toEqual({ ExpiresIn: 3600, TokenType: 'Bearer' });
    const access = decodeJwt(t.AccessToken);
    const id = decodeJwt(t.IdToken);
    expect(access).toMatchObject({
      iss: cognito.issuer,
      token_use: 'access',
      client_id: cognito.clientId,
      username: params.USER_ID_FOR_SRP,
      scope: 'aws.cognito.signin.user.admin',
      'cognito:groups': ['editors'],
    });
    expect(id).toMatchObject({
      iss: cognito.issuer,
      token_use: 'id',
      aud: cognito.clientId,
      email: 'ivy@example.com',
      email_verified: true,
      'cognito:username': params.USER_ID_FOR_SRP,
      'cognito:groups': ['editors'],
    });
    expect(access.sub).toBe(id.sub);
    expect(access.origin_jti).toBe(id.origin_jti);
    expect(t.RefreshToken.length).toBeGreaterThan(40);
  });

  it('refuses a tampered proof, a wrong password and a replayed secret block, issuing nothing', async () => {
    const { signature, answer } = await srpChallenge('ivy@example.com');
    const bytes = Buffer.from(signature, 'base64');
    bytes[0]! ^= 1;
    const tampered = await answer({ PASSWORD_CLAIM_SIGNATURE: bytes.toString('base64') });
    expect(errorOf(tampered)).toEqual({ status: 400, type: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    expect(tampered.body.AuthenticationResult).toBeUndefined();
    // The challenge was spent by the failed answer: even the right proof is now a replay.
    expect(errorOf(await answer())).toMatchObject({ type: 'NotAuthorizedException', message: 'Invalid session for the user, session can only be used once.' });

    const wrong = await srpChallenge('ivy@example.com', 'Wr0ng-Passw0rd!');
    expect(errorOf(await wrong.answer())).toMatchObject({ type: 'NotAuthorizedException', message: 'Incorrect username or password.' });

    const good = await srpChallenge('ivy@example.com');
    expect((await good.answer()).status).toBe(200);
    const replay = await good.answer();
    expect(errorOf(replay)).toMatchObject({ status: 400, type: 'NotAuthorizedException', message: 'Invalid session for the user, session can only be used once.' });
    expect(replay.body.AuthenticationResult).toBeUndefined();
  });

  it('refuses an expired challenge, an unknown secret block and a timestamp out of range or format', async () => {
    const late = await srpChallenge('ivy@example.com');
    clock += 3 * 60_000 + 1;
    expect(errorOf(await late.answer())).toMatchObject({ type: 'NotAuthorizedException', message: 'Invalid session for the user, session is expired.' });
    expect(errorOf(await late.answer({ PASSWORD_CLAIM_SECRET_BLOCK: Buffer.from('made up').toString('base64') }))).toMatchObject({
      type: 'NotAuthorizedException',
      message: 'Invalid session for the user.',
    });

    const stale = await srpChallenge('ivy@example.com');
    expect(errorOf(await stale.answer({ TIMESTAMP: srp.formatTimestamp(clock - 10 * 60_000) }))).toMatchObject({ type: 'NotAuthorizedException' });
    const padded = await srpChallenge('ivy@example.com');
    expect(errorOf(await padded.answer({ TIMESTAMP: 'Thu Dec 03 12:00:00 UTC 2026' }))).toMatchObject({ type: 'InvalidParameterException' });
  });

  it('answers an unknown user with a challenge no proof passes, then as a wrong password (PreventUserExistenceErrors ENABLED)', async () => {
    const unknown = await srpChallenge('nobody@example.com');
    expect(unknown.params.USER_ID_FOR_SRP).toBe('nobody@example.com');
    expect(unknown.params.SALT).toMatch(/^[0-9a-f]+$/);
    // The same stand-in salt each time, as a real user's is.
    expect((await srpChallenge('nobody@example.com')).params.SALT).toBe(unknown.params.SALT);
    const r = await unknown.answer();
    expect(errorOf(r)).toEqual({ status: 400, type: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    expect(r.body.AuthenticationResult).toBeUndefined();
    const byPassword = await raw('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: cognito.clientId, AuthParameters: { USERNAME: 'nobody@example.com', PASSWORD } });
    expect(errorOf(byPassword)).toMatchObject({ type: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    const forgot = await raw('ForgotPassword', { ClientId: cognito.clientId, Username: 'nobody@example.com' });
    expect(forgot.body).toEqual({ CodeDeliveryDetails: { Destination: 'n***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' } });
    expect(errorOf(await raw('ConfirmForgotPassword', { ClientId: cognito.clientId, Username: 'nobody@example.com', ConfirmationCode: '123456', Password: PASSWORD }))).toMatchObject({
      type: 'CodeMismatchException',
    });
  });

  it('a LEGACY app client says UserNotFoundException; an SRP_A that is 0 mod N is refused', async () => {
    const legacy = (
      await cognito.call('CreateUserPoolClient', { UserPoolId: cognito.userPoolId, ClientName: 'legacy', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH'], PreventUserExistenceErrors: 'LEGACY' })
    ).UserPoolClient as { ClientId: string };
    const unknown = await raw('InitiateAuth', {
      AuthFlow: 'USER_SRP_AUTH',
      ClientId: legacy.ClientId,
      AuthParameters: { USERNAME: 'nobody@example.com', SRP_A: srp.clientEphemeral().A.toString(16) },
    });
    expect(errorOf(unknown)).toEqual({ status: 400, type: 'UserNotFoundException', message: 'User does not exist.' });
    const zero = await raw('InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: cognito.clientId, AuthParameters: { USERNAME: 'ivy@example.com', SRP_A: srp.N.toString(16) } });
    expect(errorOf(zero)).toMatchObject({ type: 'InvalidParameterException' });
  });
});

describe('USER_PASSWORD_AUTH, refresh and revocation', () => {
  it('signs in with a password and refuses a wrong one as Cognito does', async () => {
    const ok = await raw('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: cognito.clientId, AuthParameters: { USERNAME: 'ivy@example.com', PASSWORD } });
    expect(ok.status).toBe(200);
    const bad = await raw('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: cognito.clientId, AuthParameters: { USERNAME: 'ivy@example.com', PASSWORD: 'Wr0ng-Passw0rd!' } });
    expect(errorOf(bad)).toEqual({ status: 400, type: 'NotAuthorizedException', message: 'Incorrect username or password.' });
  });

  it('refreshes with REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken; a revoked refresh token and its access tokens are refused', async () => {
    const t = await signedIn();
    const viaInitiate = await raw('InitiateAuth', { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: cognito.clientId, AuthParameters: { REFRESH_TOKEN: t.RefreshToken } });
    expect(viaInitiate.status).toBe(200);
    clock += 1000;
    const viaGet = await raw('GetTokensFromRefreshToken', { ClientId: cognito.clientId, RefreshToken: t.RefreshToken });
    const fresh = viaGet.body.AuthenticationResult as { AccessToken: string; IdToken: string };
    expect(decodeJwt(fresh.AccessToken)).toMatchObject({ sub: decodeJwt(t.AccessToken).sub, origin_jti: decodeJwt(t.AccessToken).origin_jti });
    expect(decodeJwt(fresh.AccessToken).iat).toBeGreaterThan(decodeJwt(t.AccessToken).iat!);
    expect((await raw('GetUser', { AccessToken: fresh.AccessToken })).status).toBe(200);

    expect((await raw('RevokeToken', { ClientId: cognito.clientId, Token: t.RefreshToken })).status).toBe(200);
    const after = await raw('GetTokensFromRefreshToken', { ClientId: cognito.clientId, RefreshToken: t.RefreshToken });
    expect(errorOf(after)).toEqual({ status: 400, type: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
    expect(after.body.AuthenticationResult).toBeUndefined();
    expect(errorOf(await raw('GetUser', { AccessToken: fresh.AccessToken }))).toMatchObject({ type: 'NotAuthorizedException', message: 'Access Token has been revoked' });
    expect(errorOf(await raw('InitiateAuth', { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: cognito.clientId, AuthParameters: { REFRESH_TOKEN: 'not-a-token' } }))).toMatchObject({
      type: 'NotAuthorizedException',
      message: 'Invalid Refresh Token',
    });
  });

  it('refuses an expired refresh token and an expired access token', async () => {
    const t = await signedIn();
    clock += 3601_000;
    expect(errorOf(await raw('GetUser', { AccessToken: t.AccessToken }))).toMatchObject({ type: 'NotAuthorizedException', message: 'Access Token has expired' });
    expect((await raw('GetTokensFromRefreshToken', { ClientId: cognito.clientId, RefreshToken: t.RefreshToken })).status).toBe(200);
    clock += 30 * 86400_000;
    const expired = await raw('GetTokensFromRefreshToken', { ClientId: cognito.clientId, RefreshToken: t.RefreshToken });
    expect(errorOf(expired)).toMatchObject({ type: 'NotAuthorizedException' });
    expect(expired.body.AuthenticationResult).toBeUndefined();
  });

  it("keeps the refresh tokens of a user's last 100 sign-ins, so the state stays bounded", async () => {
    await cognito.createUser({ email: 'max@example.com', password: PASSWORD });
    const signIn = async () =>
      (
        (await raw('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: cognito.clientId, AuthParameters: { USERNAME: 'max@example.com', PASSWORD } })).body.AuthenticationResult as {
          RefreshToken: string;
        }
      ).RefreshToken;
    const first = await signIn();
    let last = first;
    for (let i = 0; i < 100; i++) last = await signIn();
    expect(errorOf(await raw('GetTokensFromRefreshToken', { ClientId: cognito.clientId, RefreshToken: first }))).toMatchObject({ type: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
    expect((await raw('GetTokensFromRefreshToken', { ClientId: cognito.clientId, RefreshToken: last })).status).toBe(200);
  });

  it('GlobalSignOut refuses every refresh token and access token of the user', async () => {
    const one = await signedIn();
    const two = await signedIn();
    expect((await raw('GlobalSignOut', { AccessToken: one.AccessToken })).status).toBe(200);
    for (const t of [one, two]) {
      expect(errorOf(await raw('GetTokensFromRefreshToken', { ClientId: cognito.clientId, RefreshToken: t.RefreshToken }))).toMatchObject({
        type: 'NotAuthorizedException',
        message: 'Refresh Token has been revoked',
      });
      expect(errorOf(await raw('GetUser', { AccessToken: t.AccessToken }))).toMatchObject({ type: 'NotAuthorizedException', message: 'Access Token has been revoked' });
    }
    // A new sign-in is a new session.
    expect((await raw('GetUser', { AccessToken: (await signedIn()).AccessToken })).status).toBe(200);
  });
});

describe('sign-up, password reset and new-password challenges', () => {
  const outbox = () =>
    readFileSync(join(dataDir, 'outbox.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { email: string; code: string; purpose: string });
  const lastCode = (email: string, purpose: string) =>
    outbox()
      .filter((m) => m.email === email && m.purpose === purpose)
      .at(-1)!.code;

  it('SignUp, a wrong code, ResendConfirmationCode, ConfirmSignUp from the outbox, then sign-in', async () => {
    const up = await raw('SignUp', { ClientId: cognito.clientId, Username: 'jay@example.com', Password: 'J4y-Passw0rd!' });
    expect(up.body).toMatchObject({ UserConfirmed: false, CodeDeliveryDetails: { Destination: 'j***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' } });
    const first = lastCode('jay@example.com', 'SIGN_UP');
    expect(logs.some((l) => l.includes(`code for jay@example.com: ${first}`))).toBe(true);
    const early = await srpChallenge('jay@example.com', 'J4y-Passw0rd!');
    expect(errorOf(await early.answer())).toMatchObject({ type: 'UserNotConfirmedException' });
    const wrongCode = first === '000000' ? '111111' : '000000';
    expect(errorOf(await raw('ConfirmSignUp', { ClientId: cognito.clientId, Username: 'jay@example.com', ConfirmationCode: wrongCode }))).toMatchObject({ type: 'CodeMismatchException' });
    expect((await raw('ResendConfirmationCode', { ClientId: cognito.clientId, Username: 'jay@example.com' })).status).toBe(200);
    expect((await raw('ConfirmSignUp', { ClientId: cognito.clientId, Username: 'jay@example.com', ConfirmationCode: lastCode('jay@example.com', 'SIGN_UP') })).status).toBe(200);
    expect(decodeJwt((await signedInAs('jay@example.com', 'J4y-Passw0rd!')).IdToken)).toMatchObject({ email: 'jay@example.com', email_verified: true, sub: up.body.UserSub });
    expect(errorOf(await raw('SignUp', { ClientId: cognito.clientId, Username: 'jay@example.com', Password: 'J4y-Passw0rd!' }))).toMatchObject({ type: 'UsernameExistsException' });
    expect(errorOf(await raw('SignUp', { ClientId: cognito.clientId, Username: 'kim@example.com', Password: 'short' }))).toMatchObject({ type: 'InvalidPasswordException' });
  });

  it('ForgotPassword and ConfirmForgotPassword replace the password', async () => {
    expect((await raw('ForgotPassword', { ClientId: cognito.clientId, Username: 'jay@example.com' })).status).toBe(200);
    const code = lastCode('jay@example.com', 'FORGOT_PASSWORD');
    expect((await raw('ConfirmForgotPassword', { ClientId: cognito.clientId, Username: 'jay@example.com', ConfirmationCode: code, Password: 'J4y-N3w-Passw0rd!' })).status).toBe(200);
    expect(errorOf(await (await srpChallenge('jay@example.com', 'J4y-Passw0rd!')).answer())).toMatchObject({ type: 'NotAuthorizedException' });
    expect((await signedInAs('jay@example.com', 'J4y-N3w-Passw0rd!')).AccessToken).toBeTruthy();
    // A code works once.
    expect(errorOf(await raw('ConfirmForgotPassword', { ClientId: cognito.clientId, Username: 'jay@example.com', ConfirmationCode: code, Password: 'J4y-Other-Passw0rd!' }))).toMatchObject({
      type: 'CodeMismatchException',
    });
  });

  it('an admin-created user answers NEW_PASSWORD_REQUIRED after the SRP proof', async () => {
    await cognito.call('AdminCreateUser', { UserPoolId: cognito.userPoolId, Username: 'lee@example.com', TemporaryPassword: 'T3mp-Passw0rd!', MessageAction: 'SUPPRESS' });
    const r = await (await srpChallenge('lee@example.com', 'T3mp-Passw0rd!')).answer();
    expect(r.body.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    const p = r.body.ChallengeParameters as Record<string, string>;
    expect(JSON.parse(p.requiredAttributes!)).toEqual([]);
    const done = await raw('RespondToAuthChallenge', {
      ClientId: cognito.clientId,
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      Session: r.body.Session,
      ChallengeResponses: { USERNAME: p.USER_ID_FOR_SRP, NEW_PASSWORD: 'L33-Passw0rd!' },
    });
    expect(done.status).toBe(200);
    expect((done.body.AuthenticationResult as { AccessToken: string }).AccessToken).toBeTruthy();
    expect((await signedInAs('lee@example.com', 'L33-Passw0rd!')).AccessToken).toBeTruthy();
  });

  it('keeps no password, code or refresh token in the clear on disk', () => {
    const state = readFileSync(join(dataDir, 'user-pools.json'), 'utf8');
    for (const secret of [PASSWORD, 'J4y-N3w-Passw0rd!', 'L33-Passw0rd!', 'T3mp-Passw0rd!']) expect(state).not.toContain(secret);
    for (const m of outbox()) expect(state).not.toContain(`"${m.code}"`);
  });
});

async function signedInAs(email: string, password: string) {
  const r = await (await srpChallenge(email, password)).answer();
  expect(r.status).toBe(200);
  return r.body.AuthenticationResult as { AccessToken: string; IdToken: string; RefreshToken: string };
}

describe('malformed requests', () => {
  it.each([
    ['not JSON', 'InitiateAuth', '{"AuthFlow":', 'SerializationException'],
    ['a JSON array', 'InitiateAuth', '[1,2]', 'SerializationException'],
    ['no ClientId', 'InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'ivy@example.com', SRP_A: 'ab' } }, 'InvalidParameterException'],
    ['an unknown AuthFlow', 'InitiateAuth', { AuthFlow: 'MAGIC', ClientId: 'x' }, 'InvalidParameterException'],
    ['an unknown client', 'InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: 'nope', AuthParameters: {} }, 'ResourceNotFoundException'],
    ['no SRP_A', 'InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: '$client', AuthParameters: { USERNAME: 'ivy@example.com' } }, 'InvalidParameterException'],
    ['SRP_A not hex', 'InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: '$client', AuthParameters: { USERNAME: 'ivy@example.com', SRP_A: 'xyz' } }, 'InvalidParameterException'],
    ['AuthParameters of numbers', 'InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: '$client', AuthParameters: { USERNAME: 1, PASSWORD: 2 } }, 'InvalidParameterException'],
    ['a number for ClientId', 'GetTokensFromRefreshToken', { ClientId: 7, RefreshToken: 'x' }, 'InvalidParameterException'],
    ['no challenge responses', 'RespondToAuthChallenge', { ClientId: '$client', ChallengeName: 'PASSWORD_VERIFIER' }, 'InvalidParameterException'],
    ['an unknown challenge', 'RespondToAuthChallenge', { ClientId: '$client', ChallengeName: 'SMS_MFA', ChallengeResponses: {} }, 'InvalidParameterException'],
    ['a garbage access token', 'GetUser', { AccessToken: 'a.b.c' }, 'NotAuthorizedException'],
    ['an unknown operation', 'LaunchRockets', {}, 'UnknownOperationException'],
  ])("answers %s with a JSON 400 of Cognito's error type", async (_name, action, body, type) => {
    const withClient = typeof body === 'string' ? body : JSON.parse(JSON.stringify(body).replace('"$client"', JSON.stringify(cognito.clientId)));
    const r = await raw(action, withClient);
    expect({ status: r.status, type: r.body.__type }).toEqual({ status: 400, type });
    expect(r.body.AuthenticationResult).toBeUndefined();
  });

  it('refuses a group named __proto__ and ignores such an attribute, keeping the state intact', async () => {
    await expect(cognito.call('CreateGroup', { UserPoolId: cognito.userPoolId, GroupName: '__proto__' })).rejects.toMatchObject({ name: 'InvalidParameterException' });
    const up = await raw('SignUp', { ClientId: cognito.clientId, Username: 'proto@example.com', Password: PASSWORD, UserAttributes: [{ Name: '__proto__', Value: 'x' }] });
    expect(up.status).toBe(200);
    const groups = (await cognito.call('ListGroups', { UserPoolId: cognito.userPoolId })).Groups as Array<{ GroupName: string }>;
    expect(groups.map((g) => g.GroupName)).toEqual(['editors']);
    expect(JSON.parse(readFileSync(join(dataDir, 'user-pools.json'), 'utf8'))).toHaveProperty('pools');
  });

  it('stays up after all of them', async () => {
    expect((await signedIn()).AccessToken).toBeTruthy();
  });
});
