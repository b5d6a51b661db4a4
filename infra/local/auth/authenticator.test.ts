import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCognito, type LocalCognito } from '../services/cognito.ts';
import { createAuthenticator } from './index.ts';
import type { AuthFailure, AuthResult, Authenticator } from './types.ts';

const IP = '127.0.0.9';
const expectFailure = (r: AuthResult, errorType: string, message: string | RegExp, status = 401) => {
  expect(r.ok).toBe(false);
  const f = r as AuthFailure;
  expect({ errorType: f.errorType, status: f.status }).toEqual({ errorType, status });
  if (typeof message === 'string') expect(f.message).toBe(message);
  else expect(f.message).toMatch(message);
};

/** An issuer whose key we hold: serves its JWKS and signs whatever claims a test needs. */
async function ownIssuer(): Promise<{ issuer: string; jwksUri: string; sign(claims: JWTPayload, exp: number): Promise<string>; close(): Promise<void> }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const issuer = `http://127.0.0.1:${port}/local_test`;
  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    sign: (claims, exp) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setIssuer(issuer)
        .setIssuedAt(exp - 3600)
        .setExpirationTime(exp)
        .sign(privateKey as CryptoKey),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('user pools (tokens of the local Cognito issuer)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-'));
  let cognito: LocalCognito;
  let auth: Authenticator;
  let tokens: { idToken: string; accessToken: string };
  let sub: string;

  beforeAll(async () => {
    cognito = await startCognito({ dataDir, adminCredentials: { accessKeyId: 'AKIALOCALAUTHTEST', secretAccessKey: 'auth-test-secret' } });
    ({ sub } = await cognito.createUser({ email: 'erin@example.com', password: 'Er1n-Passw0rd!', groups: ['admins', 'editors'] }));
    await cognito.createUser({ email: 'frank@example.com', password: 'Fr4nk-Passw0rd!' });
    tokens = await cognito.signIn('erin@example.com', 'Er1n-Passw0rd!');
    auth = createAuthenticator({
      modes: ['AMAZON_COGNITO_USER_POOLS', 'API_KEY'],
      userPool: { issuer: cognito.issuer, jwksUri: cognito.jwksUri, clientIds: [cognito.clientId] },
      apiKeys: [{ key: 'da2-valid', expiresAt: Date.now() / 1000 + 3600 }],
    });
  });
  afterAll(async () => {
    await cognito?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('accepts an id token and builds the Cognito identity with groups', async () => {
    const r = await auth.authenticate({ Authorization: tokens.idToken }, IP);
    expect(r).toMatchObject({
      ok: true,
      mode: 'AMAZON_COGNITO_USER_POOLS',
      identity: { sub, issuer: cognito.issuer, sourceIp: [IP], defaultAuthStrategy: 'ALLOW', groups: ['admins', 'editors'] },
    });
    const identity = (r as { identity: { username: string; claims: Record<string, unknown> } }).identity;
    expect(identity.username).toBe(identity.claims['cognito:username']);
    expect(identity.claims).toMatchObject({ email: 'erin@example.com', token_use: 'id', aud: cognito.clientId });
  });

  it('accepts an access token (client_id, no aud)', async () => {
    const r = await auth.authenticate({ authorization: tokens.accessToken }, IP);
    expect(r).toMatchObject({ ok: true, mode: 'AMAZON_COGNITO_USER_POOLS', identity: { sub, groups: ['admins', 'editors'] } });
    expect((r as { identity: { username: string } }).identity.username).toBe(sub); // with e-mail sign-in, the internal username is the sub
  });

  it('gives groups null to a user in no group', async () => {
    const t = await cognito.signIn('frank@example.com', 'Fr4nk-Passw0rd!');
    expect(await auth.authenticate({ authorization: t.idToken }, IP)).toMatchObject({ ok: true, identity: { groups: null } });
  });

  it('refuses a missing header, garbage, and a "Bearer " prefix as AppSync does', async () => {
    expectFailure(await auth.authenticate({}, IP), 'UnauthorizedException', 'Valid authorization header not provided.');
    expectFailure(await auth.authenticate({ authorization: 'not-a-jwt' }, IP), 'UnauthorizedException', 'Unable to parse JWT token.');
    expectFailure(await auth.authenticate({ authorization: `Bearer ${tokens.idToken}` }, IP), 'UnauthorizedException', 'Unable to parse JWT token.');
  });

  it('refuses a token forged with another key under the same kid and claims', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const [header, payload] = tokens.idToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as JWTPayload;
    const { kid } = JSON.parse(Buffer.from(header!, 'base64url').toString()) as { kid: string };
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
    expectFailure(await auth.authenticate({ authorization: forged }, IP), 'UnauthorizedException', 'You are not authorized to make this call.');
  });

  it('refuses a tampered payload', async () => {
    const [h, p, s] = tokens.idToken.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    claims['cognito:groups'] = ['admins', 'superusers'];
    const tampered = [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), s].join('.');
    expectFailure(await auth.authenticate({ authorization: tampered }, IP), 'UnauthorizedException', 'You are not authorized to make this call.');
  });

  it('refuses a token whose app client is not accepted', async () => {
    const other = createAuthenticator({ modes: ['AMAZON_COGNITO_USER_POOLS'], userPool: { issuer: cognito.issuer, jwksUri: cognito.jwksUri, clientIds: ['another-client'] } });
    expectFailure(await other.authenticate({ authorization: tokens.idToken }, IP), 'UnauthorizedException', 'You are not authorized to make this call.');
    expectFailure(await other.authenticate({ authorization: tokens.accessToken }, IP), 'UnauthorizedException', 'You are not authorized to make this call.');
  });

  it('refuses a validly signed token of another issuer', async () => {
    const stranger = await ownIssuer();
    try {
      const t = await stranger.sign({ sub: 'x', token_use: 'access', client_id: cognito.clientId }, Math.floor(Date.now() / 1000) + 600);
      expectFailure(await auth.authenticate({ authorization: t }, IP), 'UnauthorizedException', 'You are not authorized to make this call.');
      // ...and the other way round: that issuer's verifier refuses our pool's token.
      const theirs = createAuthenticator({ modes: ['AMAZON_COGNITO_USER_POOLS'], userPool: { issuer: stranger.issuer, jwksUri: stranger.jwksUri, clientIds: [cognito.clientId] } });
      expectFailure(await theirs.authenticate({ authorization: tokens.idToken }, IP), 'UnauthorizedException', 'You are not authorized to make this call.');
    } finally {
      await stranger.close();
    }
  });

  it('refuses an expired token with "Token has expired."', async () => {
    const issuer = await ownIssuer();
    try {
      const a = createAuthenticator({ modes: ['AMAZON_COGNITO_USER_POOLS'], userPool: { issuer: issuer.issuer, jwksUri: issuer.jwksUri, clientIds: ['c1'] } });
      const now = Math.floor(Date.now() / 1000);
      const live = await issuer.sign({ sub: 's1', token_use: 'id', aud: 'c1', 'cognito:username': 'u1' }, now + 600);
      expect(await a.authenticate({ authorization: live }, IP)).toMatchObject({ ok: true, identity: { sub: 's1', username: 'u1', groups: null } });
      const expired = await issuer.sign({ sub: 's1', token_use: 'id', aud: 'c1' }, now - 10);
      expectFailure(await a.authenticate({ authorization: expired }, IP), 'UnauthorizedException', 'Token has expired.');
      // A token of the local issuer, checked against a clock a day and a half ahead.
      const later = createAuthenticator({
        modes: ['AMAZON_COGNITO_USER_POOLS'],
        userPool: { issuer: cognito.issuer, jwksUri: cognito.jwksUri, clientIds: [cognito.clientId] },
        now: () => new Date(Date.now() + 36 * 3600_000),
      });
      expectFailure(await later.authenticate({ authorization: tokens.idToken }, IP), 'UnauthorizedException', 'Token has expired.');
    } finally {
      await issuer.close();
    }
  });

  it('refuses a token with neither id nor access token_use', async () => {
    const issuer = await ownIssuer();
    try {
      const a = createAuthenticator({ modes: ['AMAZON_COGNITO_USER_POOLS'], userPool: { issuer: issuer.issuer, jwksUri: issuer.jwksUri, clientIds: ['c1'] } });
      const t = await issuer.sign({ sub: 's1', aud: 'c1', client_id: 'c1' }, Math.floor(Date.now() / 1000) + 600);
      expectFailure(await a.authenticate({ authorization: t }, IP), 'UnauthorizedException', 'You are not authorized to make this call.');
    } finally {
      await issuer.close();
    }
  });

  it('picks the mode by header: a JWT wins over an API key when both are sent', async () => {
    expect(await auth.authenticate({ authorization: tokens.idToken, 'x-api-key': 'da2-valid' }, IP)).toMatchObject({ mode: 'AMAZON_COGNITO_USER_POOLS' });
    expect(await auth.authenticate({ 'X-Api-Key': 'da2-valid' }, IP)).toEqual({ ok: true, mode: 'API_KEY', identity: null });
    // A SigV4 header on an API without IAM is no credential at all.
    expectFailure(await auth.authenticate({ authorization: 'AWS4-HMAC-SHA256 Credential=x' }, IP), 'UnauthorizedException', 'Valid authorization header not provided.');
  });
});

describe('API keys', () => {
  const now = 1_800_000_000;
  const auth = createAuthenticator({
    modes: ['API_KEY'],
    apiKeys: [
      { key: 'da2-good', expiresAt: now + 60 },
      { key: 'da2-old', expiresAt: now - 1 },
    ],
    now: () => new Date(now * 1000),
  });

  it('accepts a known, unexpired key with a null identity', async () => {
    expect(await auth.authenticate({ 'x-api-key': 'da2-good' }, IP)).toEqual({ ok: true, mode: 'API_KEY', identity: null });
  });
  it('refuses an unknown or expired key', async () => {
    expectFailure(await auth.authenticate({ 'x-api-key': 'da2-nope' }, IP), 'UnauthorizedException', 'You are not authorized to make this call.');
    expectFailure(await auth.authenticate({ 'x-api-key': 'da2-old' }, IP), 'UnauthorizedException', 'You are not authorized to make this call.');
  });
  it('refuses a request with no key, or with a JWT the API does not accept', async () => {
    expectFailure(await auth.authenticate({}, IP), 'UnauthorizedException', 'Valid authorization header not provided.');
    expectFailure(await auth.authenticate({ 'x-api-key': '' }, IP), 'UnauthorizedException', 'Valid authorization header not provided.');
    expectFailure(await auth.authenticate({ authorization: 'eyJhbGciOi.x.y' }, IP), 'UnauthorizedException', 'Valid authorization header not provided.');
  });
});

describe('IAM (SigV4)', () => {
  const cred = { accessKeyId: 'AKIALOCALTEST', secretAccessKey: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ=', accountId: '000000000000', userArn: 'arn:aws:iam::000000000000:user/backend' };
  const auth = createAuthenticator({
    modes: ['AMAZON_COGNITO_USER_POOLS', 'AWS_IAM'],
    userPool: { issuer: 'http://127.0.0.1:1/p', jwksUri: 'http://127.0.0.1:1/p/.well-known/jwks.json', clientIds: [] },
    iam: { credentials: [cred], region: 'us-east-1' },
  });
  const body = JSON.stringify({ query: 'mutation { putItem(id: "1") { id } }' });
  const host = '127.0.0.1:4455';

  async function sign(opts: { secret?: string; region?: string; date?: Date; path?: string; body?: string; checksumHeader?: boolean } = {}) {
    const signer = new SignatureV4({
      credentials: { accessKeyId: cred.accessKeyId, secretAccessKey: opts.secret ?? cred.secretAccessKey },
      region: opts.region ?? 'us-east-1',
      service: 'appsync',
      sha256: Hash.bind(null, 'sha256'),
      applyChecksum: opts.checksumHeader ?? true,
    });
    const signed = await signer.sign(
      { method: 'POST', protocol: 'http:', hostname: host, path: opts.path ?? '/graphql', query: {}, headers: { host, 'content-type': 'application/json', accept: '*/*' }, body: opts.body ?? body },
      { signingDate: opts.date },
    );
    return Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  }
  const request = { method: 'POST', path: '/graphql', body };

  it('accepts a correctly signed request and builds the IAM identity', async () => {
    const headers = await sign();
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
    expect(await auth.authenticate(headers, IP, request)).toEqual({
      ok: true,
      mode: 'AWS_IAM',
      identity: {
        accountId: '000000000000',
        cognitoIdentityPoolId: null,
        cognitoIdentityId: null,
        sourceIp: [IP],
        username: 'backend',
        userArn: cred.userArn,
        cognitoIdentityAuthType: null,
        cognitoIdentityAuthProvider: null,
      },
    });
  });

  it('refuses a tampered body, path or signed header', async () => {
    const headers = await sign();
    const mismatch = /^The request signature we calculated does not match the signature you provided/;
    expectFailure(await auth.authenticate(headers, IP, { ...request, body: body.replace('putItem', 'deleteItem') }), 'InvalidSignatureException', mismatch, 403);
    expectFailure(await auth.authenticate(headers, IP, { ...request, path: '/graphql?x=1' }), 'InvalidSignatureException', mismatch, 403);
    expectFailure(await auth.authenticate({ ...headers, 'content-type': 'text/plain' }, IP, request), 'InvalidSignatureException', mismatch, 403);
    const sig = /Signature=([0-9a-f]+)/.exec(headers.authorization!)![1]!;
    const flipped = headers.authorization!.replace(sig, sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0'));
    expectFailure(await auth.authenticate({ ...headers, authorization: flipped }, IP, request), 'InvalidSignatureException', mismatch, 403);
  });

  it('checks the body also when the client signs no x-amz-content-sha256 header (as Amplify does)', async () => {
    const headers = await sign({ checksumHeader: false });
    expect(headers['x-amz-content-sha256']).toBeUndefined();
    expect(await auth.authenticate(headers, IP, request)).toMatchObject({ ok: true, mode: 'AWS_IAM' });
    const r = await auth.authenticate(headers, IP, { ...request, body: body.replace('putItem', 'deleteItem') });
    expectFailure(r, 'InvalidSignatureException', /^The request signature we calculated does not match/, 403);
  });

  it('refuses a wrong secret, an unknown access key, another region, a stale date', async () => {
    const mismatch = /^The request signature we calculated does not match/;
    expectFailure(await auth.authenticate(await sign({ secret: 'wrong' }), IP, request), 'InvalidSignatureException', mismatch, 403);
    const unknown = (await sign()).authorization!.replace(cred.accessKeyId, 'AKIAUNKNOWN');
    expectFailure(await auth.authenticate({ ...(await sign()), authorization: unknown }, IP, request), 'UnrecognizedClientException', 'The security token included in the request is invalid.', 403);
    expectFailure(await auth.authenticate(await sign({ region: 'eu-west-1' }), IP, request), 'InvalidSignatureException', 'Credential should be scoped to a valid region.', 403);
    expectFailure(
      await auth.authenticate(await sign({ date: new Date(Date.now() - 10 * 60_000) }), IP, request),
      'InvalidSignatureException',
      /^Signature expired: \d{8}T\d{6}Z is now earlier than/,
      403,
    );
  });

  it('refuses a signature it cannot check (no request given) or one missing its parts', async () => {
    expectFailure(await auth.authenticate(await sign(), IP), 'IncompleteSignatureException', /not available/, 403);
    expectFailure(
      await auth.authenticate({ authorization: 'AWS4-HMAC-SHA256 Credential=AKIALOCALTEST/20200101/us-east-1/appsync/aws4_request' }, IP, request),
      'IncompleteSignatureException',
      /requires 'SignedHeaders'/,
      403,
    );
  });
});

describe('configuration', () => {
  it('refuses to build an authenticator for a mode it has no configuration for', () => {
    expect(() => createAuthenticator({ modes: ['AMAZON_COGNITO_USER_POOLS'] })).toThrow(/no user pool/);
    expect(() => createAuthenticator({ modes: ['AWS_IAM'] })).toThrow(/no IAM credentials/);
  });
});
