import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { AdminCreateUserCommand, CognitoIdentityProviderClient, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { addDevUser, devToken } from '../auth/dev-users.ts';
import { CognitoApiError, startCognito, type LocalCognito, type StartCognitoOptions } from './cognito.ts';

const DEV = { accessKeyId: 'AKIALOCALTEST0001', secretAccessKey: 'the-dev-secret-of-this-test' };

const dirs: string[] = [];
const running: LocalCognito[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'cognito-'));
  dirs.push(d);
  return d;
};
async function start(opts: Omit<StartCognitoOptions, 'adminCredentials'> & Partial<StartCognitoOptions>): Promise<{ cognito: LocalCognito; ms: number }> {
  const t0 = performance.now();
  const cognito = await startCognito({ adminCredentials: DEV, ...opts });
  running.push(cognito);
  return { cognito, ms: Math.round(performance.now() - t0) };
}

afterAll(async () => {
  for (const c of running) await c.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('local Cognito issuer', () => {
  const dataDir = tempDir();
  let first: LocalCognito;
  let sub: string;

  it('starts, creates a pool with an app client, and signs users in with SRP', async () => {
    const { cognito, ms } = await start({ dataDir });
    console.log(`cognito cold start (new data dir, first load in this process): ${ms} ms`);
    first = cognito;
    expect(cognito.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cognito.issuer).toBe(`${cognito.endpoint}/${cognito.userPoolId}`);
    // Cognito's pool id shape: Amplify takes the region before "_" and SRP mixes in the part after it.
    expect(cognito.userPoolId).toMatch(/^us-east-1_[A-Za-z0-9]{9}$/);
    expect(cognito.jwksUri).toBe(`${cognito.issuer}/.well-known/jwks.json`);

    ({ sub } = await cognito.createUser({ email: 'alice@example.com', password: 'Passw0rd!', groups: ['admins'] }));
    const tokens = await cognito.signIn('alice@example.com', 'Passw0rd!');
    const id = decodeJwt(tokens.idToken);
    const access = decodeJwt(tokens.accessToken);
    expect(id).toMatchObject({ iss: cognito.issuer, aud: cognito.clientId, token_use: 'id', sub, email: 'alice@example.com', 'cognito:groups': ['admins'] });
    expect(access).toMatchObject({ iss: cognito.issuer, client_id: cognito.clientId, token_use: 'access', sub, 'cognito:groups': ['admins'] });
    expect(tokens.expiresIn).toBeGreaterThan(0);
    expect(tokens.refreshToken).not.toBe('');

    // Signed with the data directory's own key, which the JWKS serves.
    const jwks = (await (await fetch(cognito.jwksUri)).json()) as { keys: Array<{ kid: string; kty: string; d?: string }> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]!.kid).toBe(decodeProtectedHeader(tokens.idToken).kid);
    expect(jwks.keys[0]!.d).toBeUndefined();
    const oidc = (await (await fetch(`${cognito.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(oidc).toMatchObject({ issuer: cognito.issuer, jwks_uri: cognito.jwksUri });
  });

  it('refuses a wrong password and an unknown user', async () => {
    await expect(first.signIn('alice@example.com', 'wrong')).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    // PreventUserExistenceErrors is ENABLED on the stack's client (as on the CDK stack's): no user is a wrong password.
    await expect(first.signIn('nobody@example.com', 'Passw0rd!')).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'RespondToAuthChallenge: Incorrect username or password.' });
    await expect(first.signIn('nobody@example.com', 'Passw0rd!')).rejects.toBeInstanceOf(CognitoApiError);
  });

  it('createUser on an existing user sets the password and adds groups, keeping the same sub', async () => {
    const again = await first.createUser({ email: 'alice@example.com', password: 'N3w-Passw0rd!', groups: ['admins', 'editors'] });
    expect(again.sub).toBe(sub);
    await expect(first.signIn('alice@example.com', 'Passw0rd!')).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    const id = decodeJwt((await first.signIn('alice@example.com', 'N3w-Passw0rd!')).idToken);
    expect(new Set(id['cognito:groups'] as string[])).toEqual(new Set(['admins', 'editors']));
  });

  it('dev-user helpers create a user and hand out a token', async () => {
    const user = await addDevUser(first, 'bob@example.com', 'B0b-Passw0rd!', ['viewers']);
    expect(user).toMatchObject({ email: 'bob@example.com', groups: ['viewers'] });
    const token = await devToken(first, 'bob@example.com', 'B0b-Passw0rd!', () => 1_000_000);
    expect(decodeJwt(token.accessToken)).toMatchObject({ sub: user.sub, token_use: 'access' });
    expect(decodeJwt(token.idToken)).toMatchObject({ sub: user.sub, token_use: 'id' });
    expect(token.expiresAt).toBeGreaterThan(1000);
  });

  it('another process can attach to the running issuer instead of opening the same files', async () => {
    const { cognito: attached } = await start({ dataDir, attachTo: first.endpoint });
    expect({ endpoint: attached.endpoint, userPoolId: attached.userPoolId, clientId: attached.clientId }).toEqual({
      endpoint: first.endpoint,
      userPoolId: first.userPoolId,
      clientId: first.clientId,
    });
    await attached.createUser({ email: 'carol@example.com', password: 'C4rol-Passw0rd!' });
    await attached.stop();
    // Stopping the attached handle leaves the real server up.
    expect((await first.signIn('carol@example.com', 'C4rol-Passw0rd!')).accessToken).toBeTruthy();
  });

  it('a restart with the same data directory reuses the pool, client, users, key and port', async () => {
    const before = { endpoint: first.endpoint, userPoolId: first.userPoolId, clientId: first.clientId, issuer: first.issuer };
    const jwksBefore = await (await fetch(first.jwksUri)).json();
    await first.stop();
    await expect(fetch(first.jwksUri)).rejects.toThrow();

    const { cognito: again, ms } = await start({ dataDir });
    console.log(`cognito warm start (existing data dir, modules already loaded): ${ms} ms`);
    expect({ endpoint: again.endpoint, userPoolId: again.userPoolId, clientId: again.clientId, issuer: again.issuer }).toEqual(before);
    expect(await (await fetch(again.jwksUri)).json()).toEqual(jwksBefore);
    const id = decodeJwt((await again.signIn('alice@example.com', 'N3w-Passw0rd!')).idToken);
    expect(id.sub).toBe(sub);
    await again.stop();
  });

  it('moves to a free port when the remembered one is taken, keeping the pool', async () => {
    const dir = tempDir();
    const { cognito: a } = await start({ dataDir: dir });
    await a.createUser({ email: 'dave@example.com', password: 'D4ve-Passw0rd!' });
    const pool = a.userPoolId;
    // While `a` holds the port, a second start on the same directory must not fail on it.
    const { cognito: b } = await start({ dataDir: dir });
    expect(b.endpoint).not.toBe(a.endpoint);
    expect(b.userPoolId).toBe(pool);
    await b.stop();
    await a.stop();
  });

  it('an explicit port that is taken is an error', async () => {
    const { cognito: a } = await start({ dataDir: tempDir() });
    const port = Number(new URL(a.endpoint).port);
    await expect(startCognito({ dataDir: tempDir(), port, adminCredentials: DEV })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await a.stop();
  });
});

describe('admin operations of the local Cognito', () => {
  let cognito: LocalCognito;
  const sdk = (credentials: typeof DEV) => new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint: cognito.endpoint, credentials, maxAttempts: 1 });
  /** A raw, unsigned call, as any local process or web page could send it. */
  const unsigned = async (action: string, body: object) => {
    const res = await fetch(`${cognito.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${action}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const emails = async () => {
    const client = sdk(DEV);
    const out = await client.send(new ListUsersCommand({ UserPoolId: cognito.userPoolId }));
    client.destroy();
    return (out.Users ?? []).map((u) => u.Attributes?.find((a) => a.Name === 'email')?.Value).sort();
  };

  it("refuses an unsigned ListUsers with Cognito's error and tells nothing of the users", async () => {
    ({ cognito } = await start({ dataDir: tempDir() }));
    await cognito.createUser({ email: 'gina@example.com', password: 'G1na-Passw0rd!' });
    const res = await unsigned('ListUsers', { UserPoolId: cognito.userPoolId });
    expect(res).toEqual({ status: 400, body: { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' } });
  });

  it('refuses an unsigned AdminCreateUser and creates nothing', async () => {
    const res = await unsigned('AdminCreateUser', { UserPoolId: cognito.userPoolId, Username: 'intruder@example.com', MessageAction: 'SUPPRESS' });
    expect(res.status).toBe(400);
    expect(res.body.__type).toBe('MissingAuthenticationTokenException');
    expect(await emails()).toEqual(['gina@example.com']);
  });

  it('refuses a wrong secret and an unknown access key, and changes nothing', async () => {
    const wrongSecret = sdk({ ...DEV, secretAccessKey: 'not-the-dev-secret' });
    await expect(wrongSecret.send(new ListUsersCommand({ UserPoolId: cognito.userPoolId }))).rejects.toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 400 } });
    await expect(wrongSecret.send(new AdminCreateUserCommand({ UserPoolId: cognito.userPoolId, Username: 'intruder@example.com', MessageAction: 'SUPPRESS' }))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
    wrongSecret.destroy();
    const unknownKey = sdk({ accessKeyId: 'AKIAUNKNOWN0000000', secretAccessKey: DEV.secretAccessKey });
    await expect(unknownKey.send(new ListUsersCommand({ UserPoolId: cognito.userPoolId }))).rejects.toMatchObject({ name: 'UnrecognizedClientException', $metadata: { httpStatusCode: 400 } });
    unknownKey.destroy();
    expect(await emails()).toEqual(['gina@example.com']);
    // The issuer's own helpers, attached with other credentials, are refused the same way.
    const { cognito: stranger } = await start({ dataDir: tempDir(), attachTo: cognito.endpoint, adminCredentials: { ...DEV, secretAccessKey: 'guess' } }).catch((e: unknown) => ({
      cognito: e as Error,
    }));
    expect(stranger).toMatchObject({ name: 'InvalidSignatureException' });
  });

  it('answers the AWS SDK signing with the dev credentials', async () => {
    const client = sdk(DEV);
    await client.send(
      new AdminCreateUserCommand({ UserPoolId: cognito.userPoolId, Username: 'hank@example.com', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'hank@example.com' }] }),
    );
    client.destroy();
    expect(await emails()).toEqual(['gina@example.com', 'hank@example.com']);
  });

  it('serves the public client operations unsigned: InitiateAuth, then GetUser with the access token', async () => {
    const auth = await unsigned('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: cognito.clientId, AuthParameters: { USERNAME: 'gina@example.com', PASSWORD: 'G1na-Passw0rd!' } });
    expect(auth.status).toBe(200);
    const accessToken = (auth.body.AuthenticationResult as { AccessToken: string }).AccessToken;
    expect(decodeJwt(accessToken)).toMatchObject({ token_use: 'access', client_id: cognito.clientId });
    const me = await unsigned('GetUser', { AccessToken: accessToken });
    expect(me.status).toBe(200);
    expect(me.body.Username).toBeTruthy();
  });
});
