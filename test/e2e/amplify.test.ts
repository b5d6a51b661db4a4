/**
 * The unmodified aws-amplify v6 client against the local runtime: Cognito sign-in against the local
 * issuer, queries, mutations, a live subscription over wss://, a filtered-out event, and auth
 * failures on HTTP and on a subscription start. The only Node-specific step is giving Amplify a
 * WebSocket implementation, which Node 20 lacks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/api';
import { signIn, signOut, fetchAuthSession } from 'aws-amplify/auth';
import type { ResourcesConfig } from 'aws-amplify';
import { notesApi } from '../fixtures/notes-api/api.ts';
import { PASSWORD, startStack, type TestStack } from './harness.ts';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

let stack: TestStack;
const EMAIL = 'amplify-user@example.com';

beforeAll(async () => {
  stack = await startStack(notesApi);
  await stack.runtime.cognito!.createUser({ email: EMAIL, password: PASSWORD });
  Amplify.configure(stack.runtime.amplifyConfig as ResourcesConfig);
  await signIn({ username: EMAIL, password: PASSWORD, options: { authFlowType: 'USER_PASSWORD_AUTH' } });
});

afterAll(async () => {
  await signOut().catch(() => undefined);
  await stack?.stop();
});

type Note = { id: string; board: string; title: string };

const ADD = /* GraphQL */ `mutation Add($input: NoteInput!) { addNote(input: $input) { id board title } }`;
const ON_NOTE = /* GraphQL */ `subscription OnNote($board: String!) { onNote(board: $board) { id board title } }`;

describe('aws-amplify v6 against the local runtime', () => {
  it('signs in against the local issuer with USER_PASSWORD_AUTH', async () => {
    const session = await fetchAuthSession();
    expect(session.tokens?.accessToken.payload.username ?? session.tokens?.accessToken.payload.sub).toBeTruthy();
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
    const sub = (client.graphql({ query: ON_NOTE, variables: { board: 'live' } }) as unknown as {
      subscribe(o: { next(v: { data: { onNote: Note } }): void; error(e: unknown): void }): { unsubscribe(): void };
    }).subscribe({
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

  it('rejects an HTTP request with a wrong API key (401 UnauthorizedException)', async () => {
    const client = generateClient({ authMode: 'apiKey', apiKey: 'da2-wrongwrongwrong' } as never);
    const err = await (client.graphql({ query: `query { echo(text: "x") }` }) as Promise<unknown>).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(JSON.stringify(err)).toMatch(/Unauthorized/);
  });

  it('calls the subscriber\'s error() when a start is not authorized', async () => {
    const client = generateClient({ authMode: 'apiKey' });
    const failure = await new Promise<unknown>((resolve) => {
      const s = (client.graphql({ query: ON_NOTE, variables: { board: 'denied' } }) as unknown as {
        subscribe(o: { next(): void; error(e: unknown): void }): { unsubscribe(): void };
      }).subscribe({ next: () => resolve('unexpected data'), error: (e) => { resolve(e); s.unsubscribe(); } });
    });
    expect(JSON.stringify(failure)).toMatch(/Unauthorized|Not Authorized/);
  });
});
