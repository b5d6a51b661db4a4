/**
 * The unmodified aws-amplify v6 client, with its defaults, against the local runtime: sign-up with
 * the code from the issuer's outbox, SRP sign-in (Amplify's default flow), queries, mutations, a live
 * subscription over wss://, a token refresh once the access token has expired (short lifetimes in
 * this stack), sign-out revoking the refresh token, and auth failures. The only Node-specific step is
 * giving Amplify a WebSocket implementation, which Node 20 lacks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/api';
import { confirmSignUp, fetchAuthSession, signIn, signOut, signUp } from 'aws-amplify/auth';
import { defaultStorage } from 'aws-amplify/utils';
import type { ResourcesConfig } from 'aws-amplify';
import { notesApi } from '../fixtures/notes-api/api.ts';
import { gql, startStack, type TestStack } from './harness.ts';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

let stack: TestStack;
const EMAIL = 'amplify-user@example.com';
const PASSWORD = 'Ampl1fy-Passw0rd!';
/** Access and id tokens of this stack live 10 s, so Amplify must refresh within the test. */
const TOKEN_SECONDS = 10;

beforeAll(async () => {
  stack = await startStack(notesApi, { tokenLifetimes: { accessSeconds: TOKEN_SECONDS, idSeconds: TOKEN_SECONDS } });
  Amplify.configure(stack.runtime.amplifyConfig as ResourcesConfig);
});

afterAll(async () => {
  await signOut().catch(() => undefined);
  await stack?.stop();
});

type Note = { id: string; board: string; title: string };

const ADD = /* GraphQL */ `
  mutation Add($input: NoteInput!) {
    addNote(input: $input) {
      id
      board
      title
    }
  }
`;
const ON_NOTE = /* GraphQL */ `
  subscription OnNote($board: String!) {
    onNote(board: $board) {
      id
      board
      title
    }
  }
`;

/** The last code the local issuer "sent" to an address (its outbox under the data directory). */
function codeFor(email: string): string {
  const lines = readFileSync(join(stack.runtime.dataDir, 'cognito', 'outbox.jsonl'), 'utf8')
    .trim()
    .split('\n');
  return lines
    .map((l) => JSON.parse(l) as { email: string; code: string })
    .filter((m) => m.email === email)
    .at(-1)!.code;
}

/** A raw call of the issuer's user-pool API, as any client could make it. */
async function cognitoCall(action: string, body: object): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${stack.runtime.cognito!.endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${action}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The refresh token Amplify keeps for the signed-in user (its documented storage keys). */
async function storedRefreshToken(): Promise<string> {
  const prefix = `CognitoIdentityServiceProvider.${stack.runtime.cognito!.clientId}`;
  const user = await defaultStorage.getItem(`${prefix}.LastAuthUser`);
  const token = await defaultStorage.getItem(`${prefix}.${user}.refreshToken`);
  if (!token) throw new Error('Amplify holds no refresh token');
  return token;
}

describe('aws-amplify v6 with its defaults against the local runtime', () => {
  it('signUp, confirmSignUp with the code from the outbox, then signIn with SRP and fetchAuthSession', async () => {
    const up = await signUp({ username: EMAIL, password: PASSWORD });
    expect(up.nextStep.signUpStep).toBe('CONFIRM_SIGN_UP');
    const confirmed = await confirmSignUp({ username: EMAIL, confirmationCode: codeFor(EMAIL) });
    expect(confirmed.isSignUpComplete).toBe(true);
    // No options: Amplify's default flow, USER_SRP_AUTH.
    const res = await signIn({ username: EMAIL, password: PASSWORD });
    expect(res).toEqual({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    const session = await fetchAuthSession();
    expect(session.tokens?.accessToken.payload).toMatchObject({ iss: stack.runtime.cognito!.issuer, token_use: 'access', sub: up.userId });
    expect(session.tokens?.idToken?.payload).toMatchObject({ email: EMAIL, email_verified: true });
  });

  it('runs a mutation and a query with user-pool auth', async () => {
    const client = generateClient();
    const added = (await client.graphql({ query: ADD, variables: { input: { board: 'amp', title: 'from amplify' } } })) as { data: { addNote: Note } };
    expect(added.data.addNote).toMatchObject({ board: 'amp', title: 'from amplify' });
    const got = (await client.graphql({ query: `query Get($id: ID!) { getNote(id: $id) { id title } }`, variables: { id: added.data.addNote.id } })) as { data: { getNote: Note } };
    expect(got.data.getNote).toEqual({ id: added.data.addNote.id, title: 'from amplify' });
  });

  it('delivers a subscription event over wss:// and filters out another board', async () => {
    const client = generateClient();
    const received: Note[] = [];
    const errors: unknown[] = [];
    let resolveFirst!: () => void;
    const first = new Promise<void>((r) => (resolveFirst = r));
    const sub = (
      client.graphql({ query: ON_NOTE, variables: { board: 'live' } }) as unknown as {
        subscribe(o: { next(v: { data: { onNote: Note } }): void; error(e: unknown): void }): { unsubscribe(): void };
      }
    ).subscribe({
      next: ({ data }) => {
        received.push(data.onNote);
        resolveFirst();
      },
      error: (e) => errors.push(e),
    });
    // Amplify gives no signal when start_ack arrives: mutate until the first event shows the subscription is live.
    let tries = 0;
    while (received.length === 0 && tries++ < 50) {
      await client.graphql({ query: ADD, variables: { input: { board: 'other', title: `noise ${tries}` } } });
      await client.graphql({ query: ADD, variables: { input: { board: 'live', title: `probe ${tries}` } } });
      await Promise.race([first, new Promise((r) => setTimeout(r, 200))]);
    }
    await client.graphql({ query: ADD, variables: { input: { board: 'other', title: 'filtered out' } } });
    await client.graphql({ query: ADD, variables: { input: { board: 'live', title: 'last' } } });
    for (let i = 0; i < 100 && !received.some((n) => n.title === 'last'); i++) await new Promise((r) => setTimeout(r, 100));
    sub.unsubscribe();
    expect(errors).toEqual([]);
    expect(received.some((n) => n.title === 'last')).toBe(true);
    expect(received.every((n) => n.board === 'live')).toBe(true);
  });

  it('refreshes the tokens itself once the access token has expired (GetTokensFromRefreshToken)', async () => {
    const before = (await fetchAuthSession()).tokens!.accessToken;
    // Wait until the runtime itself refuses the old token as expired.
    let answer = await gql(stack.runtime.graphqlUrl, 'query { echo(text: "x") }', {}, { authorization: before.toString() });
    for (let i = 0; i < 4 * (TOKEN_SECONDS + 5) && answer.status !== 401; i++) {
      await new Promise((r) => setTimeout(r, 250));
      answer = await gql(stack.runtime.graphqlUrl, 'query { echo(text: "x") }', {}, { authorization: before.toString() });
    }
    expect(answer.body.errors?.[0]).toMatchObject({ errorType: 'UnauthorizedException', message: 'Token has expired.' });

    const client = generateClient();
    const added = (await client.graphql({ query: ADD, variables: { input: { board: 'amp', title: 'after refresh' } } })) as { data: { addNote: Note } };
    expect(added.data.addNote.title).toBe('after refresh');
    const after = (await fetchAuthSession()).tokens!.accessToken;
    expect(after.toString()).not.toBe(before.toString());
    expect(after.payload.exp!).toBeGreaterThan(before.payload.exp!);
    // The same sign-in session, refreshed (not a new sign-in).
    expect(after.payload.origin_jti).toBe(before.payload.origin_jti);
  });

  it('rejects an HTTP request with a wrong API key (401 UnauthorizedException)', async () => {
    const client = generateClient({ authMode: 'apiKey', apiKey: 'da2-wrongwrongwrong' } as never);
    const err = await (client.graphql({ query: `query { echo(text: "x") }` }) as Promise<unknown>).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(JSON.stringify(err)).toMatch(/Unauthorized/);
  });

  it("calls the subscriber's error() when a start is not authorized", async () => {
    const client = generateClient({ authMode: 'apiKey' });
    const failure = await new Promise<unknown>((resolve) => {
      const s = (
        client.graphql({ query: ON_NOTE, variables: { board: 'denied' } }) as unknown as {
          subscribe(o: { next(): void; error(e: unknown): void }): { unsubscribe(): void };
        }
      ).subscribe({
        next: () => resolve('unexpected data'),
        error: (e) => {
          resolve(e);
          s.unsubscribe();
        },
      });
    });
    expect(JSON.stringify(failure)).toMatch(/Unauthorized|Not Authorized/);
  });

  it('signOut revokes the refresh token: the issuer refuses it afterwards', async () => {
    const refreshToken = await storedRefreshToken();
    const clientId = stack.runtime.cognito!.clientId;
    expect((await cognitoCall('GetTokensFromRefreshToken', { ClientId: clientId, RefreshToken: refreshToken })).status).toBe(200);
    await signOut();
    expect((await fetchAuthSession()).tokens).toBeUndefined();
    const refused = await cognitoCall('GetTokensFromRefreshToken', { ClientId: clientId, RefreshToken: refreshToken });
    expect({ status: refused.status, type: refused.body.__type, message: refused.body.message }).toEqual({ status: 400, type: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
    expect(refused.body.AuthenticationResult).toBeUndefined();
  });

  it('the same from amplify_outputs.json (Gen 2) with its one local override, the user-pool endpoint', async () => {
    await signOut();
    const outputs = JSON.parse(readFileSync(stack.runtime.amplifyOutputsPath, 'utf8')) as { custom: { craft_sync: { user_pool_endpoint: string } } };
    Amplify.configure(outputs as never);
    const parsed = Amplify.getConfig();
    Amplify.configure({ ...parsed, Auth: { Cognito: { ...parsed.Auth!.Cognito, userPoolEndpoint: outputs.custom.craft_sync.user_pool_endpoint } } } as ResourcesConfig);
    try {
      const email = 'gen2-user@example.com';
      expect((await signUp({ username: email, password: PASSWORD })).nextStep.signUpStep).toBe('CONFIRM_SIGN_UP');
      expect((await confirmSignUp({ username: email, confirmationCode: codeFor(email) })).isSignUpComplete).toBe(true);
      expect((await signIn({ username: email, password: PASSWORD })).isSignedIn).toBe(true);
      const first = (await fetchAuthSession()).tokens!.accessToken;
      expect(first.payload).toMatchObject({ iss: stack.runtime.cognito!.issuer, token_use: 'access' });
      const client = generateClient();
      let seen: Note | undefined;
      const sub = (
        client.graphql({ query: ON_NOTE, variables: { board: 'gen2' } }) as unknown as {
          subscribe(o: { next(v: { data: { onNote: Note } }): void; error(e: unknown): void }): { unsubscribe(): void };
        }
      ).subscribe({ next: ({ data }) => (seen = data.onNote), error: () => undefined });
      for (let i = 0; i < 50 && !seen; i++) {
        await client.graphql({ query: ADD, variables: { input: { board: 'gen2', title: `gen2 ${i}` } } });
        await new Promise((r) => setTimeout(r, 200));
      }
      sub.unsubscribe();
      expect(seen?.board).toBe('gen2');
      const refreshed = (await fetchAuthSession({ forceRefresh: true })).tokens!.accessToken;
      expect(refreshed.payload.origin_jti).toBe(first.payload.origin_jti);
      const refreshToken = await storedRefreshToken();
      await signOut();
      const refused = await cognitoCall('GetTokensFromRefreshToken', { ClientId: stack.runtime.cognito!.clientId, RefreshToken: refreshToken });
      expect(refused.body.__type).toBe('NotAuthorizedException');
    } finally {
      Amplify.configure(stack.runtime.amplifyConfig as ResourcesConfig);
    }
  });

  it("a wrong password and an unknown user fail with Cognito's errors and sign nobody in", async () => {
    await expect(signIn({ username: EMAIL, password: 'Wr0ng-Passw0rd!' })).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    // As the CDK stack's app client, the local one prevents user-existence errors: no such user reads as a wrong password.
    await expect(signIn({ username: 'nobody@example.com', password: PASSWORD })).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    expect((await fetchAuthSession()).tokens).toBeUndefined();
    // The issuer is still up: the right password signs in.
    expect((await signIn({ username: EMAIL, password: PASSWORD })).isSignedIn).toBe(true);
  });
});
