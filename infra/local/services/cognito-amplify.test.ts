/**
 * The unmodified Amplify v6 auth client against the local issuer alone (no runtime): the flows beyond
 * a plain sign-in, each driven by Amplify's own calls and challenge parsing — an unconfirmed user,
 * NEW_PASSWORD_REQUIRED for an admin-created user, password reset with the outbox code, the user's
 * attributes (GetUser), and a global sign-out whose refresh token is refused afterwards.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Amplify } from 'aws-amplify';
import { confirmResetPassword, confirmSignIn, fetchAuthSession, fetchUserAttributes, resetPassword, signIn, signOut, signUp } from 'aws-amplify/auth';
import { defaultStorage } from 'aws-amplify/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCognito, type LocalCognito } from './cognito.ts';

const DEV = { accessKeyId: 'AKIALOCALAMPLIFY01', secretAccessKey: 'the-dev-secret-of-amplify-tests' };
const PASSWORD = 'Ampl1fy-Passw0rd!';
let dataDir: string;
let cognito: LocalCognito;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cognito-amplify-'));
  cognito = await startCognito({ dataDir, adminCredentials: DEV });
  Amplify.configure({ Auth: { Cognito: { userPoolId: cognito.userPoolId, userPoolClientId: cognito.clientId, userPoolEndpoint: cognito.endpoint, loginWith: { email: true } } } });
});

afterAll(async () => {
  await signOut().catch(() => undefined);
  await cognito?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const codeFor = (email: string, purpose: string) =>
  readFileSync(join(dataDir, 'outbox.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { email: string; purpose: string; code: string })
    .filter((m) => m.email === email && m.purpose === purpose)
    .at(-1)!.code;

describe('Amplify v6 auth flows against the local issuer', () => {
  it("an unconfirmed user's sign-in comes back as the CONFIRM_SIGN_UP step", async () => {
    await signUp({ username: 'una@example.com', password: PASSWORD });
    expect(await signIn({ username: 'una@example.com', password: PASSWORD })).toEqual({ isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_UP' } });
    expect((await fetchAuthSession()).tokens).toBeUndefined();
  });

  it('an admin-created user sets a new password through confirmSignIn (NEW_PASSWORD_REQUIRED)', async () => {
    await cognito.call('AdminCreateUser', { UserPoolId: cognito.userPoolId, Username: 'new@example.com', TemporaryPassword: 'T3mp-Passw0rd!', MessageAction: 'SUPPRESS' });
    const first = await signIn({ username: 'new@example.com', password: 'T3mp-Passw0rd!' });
    expect(first.nextStep.signInStep).toBe('CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED');
    expect(await confirmSignIn({ challengeResponse: PASSWORD })).toEqual({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    expect(await fetchUserAttributes()).toMatchObject({ email: 'new@example.com' });
    await signOut();
    expect((await signIn({ username: 'new@example.com', password: PASSWORD })).isSignedIn).toBe(true);
    await signOut();
  });

  it('resetPassword and confirmResetPassword with the code from the outbox', async () => {
    await cognito.createUser({ email: 'rita@example.com', password: PASSWORD });
    const reset = await resetPassword({ username: 'rita@example.com' });
    expect(reset.nextStep).toMatchObject({ resetPasswordStep: 'CONFIRM_RESET_PASSWORD_WITH_CODE', codeDeliveryDetails: { deliveryMedium: 'EMAIL', destination: 'r***@e***' } });
    await confirmResetPassword({ username: 'rita@example.com', confirmationCode: codeFor('rita@example.com', 'FORGOT_PASSWORD'), newPassword: 'R1ta-N3w-Passw0rd!' });
    await expect(signIn({ username: 'rita@example.com', password: PASSWORD })).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    expect((await signIn({ username: 'rita@example.com', password: 'R1ta-N3w-Passw0rd!' })).isSignedIn).toBe(true);
  });

  it('a global sign-out revokes the session: its refresh token is refused afterwards', async () => {
    const prefix = `CognitoIdentityServiceProvider.${cognito.clientId}`;
    const refreshToken = await defaultStorage.getItem(`${prefix}.${await defaultStorage.getItem(`${prefix}.LastAuthUser`)}.refreshToken`);
    expect(refreshToken).toBeTruthy();
    await signOut({ global: true });
    await expect(cognito.call('GetTokensFromRefreshToken', { ClientId: cognito.clientId, RefreshToken: refreshToken })).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });
});
