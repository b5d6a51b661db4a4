/**
 * onFileChanged with the unmodified aws-amplify v6 client (signed in as a viewer) against the local
 * runtime over wss://, while the owner writes over HTTP: in-order events applied in place, catch-up
 * after unsubscribing during 20 changes, a refused subscribe, and unshare stopping delivery.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Amplify, type ResourcesConfig } from 'aws-amplify';
import { generateClient } from 'aws-amplify/api';
import { signIn, signOut } from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';
import { api } from '../../infra/api.ts';
import { PASSWORD, startStack, type TestStack } from './harness.ts';
import { CHANGE, GET, insertText, SHARE, UNSHARE, user, type SyncUser } from './sync-client.ts';
import { backgroundWriter, Replica, until, writeEdit, type ChangeEvent } from './sync-replica.ts';
import { RawClient } from '../../infra/local/realtime/testing/raw-client.ts';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

let stack: TestStack;
let alice: SyncUser;
let bob: SyncUser;
/** bob's calls through Amplify's client.graphql, shaped like SyncUser.call for Replica.catchUp. */
let bobViaAmplify: SyncUser;
const raw: RawClient[] = [];

const ON_CHANGED = /* GraphQL */ `subscription OnFileChanged($fileId: ID!) { onFileChanged(fileId: $fileId) { ${CHANGE} } }`;

beforeAll(async () => {
  stack = await startStack(api);
  const url = stack.runtime.graphqlUrl;
  alice = user(url, await stack.tokenFor('alice@example.com'));
  bob = user(url, await stack.tokenFor('bob@example.com'));
  Amplify.configure(stack.runtime.amplifyConfig as ResourcesConfig);
  await signIn({ username: 'bob@example.com', password: PASSWORD });
  const client = generateClient();
  bobViaAmplify = {
    sub: bob.sub,
    token: '',
    call: async (query, variables = {}) => {
      try {
        return (await client.graphql({ query, variables })) as { data: Record<string, unknown> };
      } catch (e) {
        return e as { errors: Array<Record<string, unknown>> };
      }
    },
  };
});

afterAll(async () => {
  for (const c of raw) c.close();
  await signOut().catch(() => undefined);
  await stack?.stop();
});

interface AmplifySub {
  events: ChangeEvent[];
  errors: unknown[];
  /** Resolves on the start_ack (Amplify's "Subscription ack" Hub event), rejects on error(). */
  ready: Promise<void>;
  unsubscribe(): void;
}

function subscribe(fileId: string, onEvent: (c: ChangeEvent) => void = () => {}): AmplifySub {
  const events: ChangeEvent[] = [];
  const errors: unknown[] = [];
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const ready = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  const stopListening = Hub.listen('api', ({ payload }) => {
    const data = (payload as { data?: { variables?: { fileId?: string } } }).data;
    if (payload.event === 'Subscription ack' && data?.variables?.fileId === fileId) resolve();
  });
  const observable = generateClient().graphql({ query: ON_CHANGED, variables: { fileId } }) as unknown as {
    subscribe(o: { next(v: { data: { onFileChanged: ChangeEvent } }): void; error(e: unknown): void }): { unsubscribe(): void };
  };
  const sub = observable.subscribe({
    next: ({ data }) => {
      events.push(data.onFileChanged);
      onEvent(data.onFileChanged);
    },
    error: (e) => {
      errors.push(e);
      reject(e);
    },
  });
  void ready.finally(stopListening).catch(() => undefined);
  return { events, errors, ready, unsubscribe: () => sub.unsubscribe() };
}

async function sharedWithBob(content: string): Promise<{ id: string }> {
  const f = await insertText(alice, 'amplify.md', content);
  expect((await alice.call(SHARE, { input: { fileId: f.id, userId: bob.sub, role: 'VIEWER' } })).errors).toBeUndefined();
  return f;
}

describe('onFileChanged with the Amplify v6 client', () => {
  it('receives every change in version order and applies each in place', async () => {
    const f = await sharedWithBob('amplify start\n');
    const s = subscribe(f.id);
    await s.ready;
    let head = { version: 1, text: 'amplify start\n' };
    for (let n = 0; n < 20; n += 1) head = await writeEdit(alice, f.id, head.version, head.text, n);
    await until(() => s.events.length === 20, '20 events');
    s.unsubscribe();

    expect(s.errors).toEqual([]);
    expect(s.events.map((e) => e.version)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    const replica = new Replica(1, 'amplify start\n');
    for (const e of s.events) {
      replica.offer(e);
      expect(replica.waiting).toBe(0);
    }
    expect(replica.text).toBe(head.text);
    const got = (await bobViaAmplify.call(GET, { id: f.id })).data?.getFile as { content: string; version: number };
    expect(got).toMatchObject({ version: 21, content: replica.text });
  });

  it('unsubscribing during 20 changes, then resubscribing and catching up with getFileChanges, ends with the same content', async () => {
    const f = await sharedWithBob('amplify catch-up\n');
    const replica = new Replica(1, 'amplify catch-up\n');
    const first = subscribe(f.id, (c) => replica.offer(c));
    await first.ready;

    const writer = backgroundWriter(alice, f.id, { version: 1, text: 'amplify catch-up\n' }, 20);
    await until(() => replica.version >= 4, 'the first live events');
    first.unsubscribe();
    await until(() => writer.written >= 9, 'writes while unsubscribed');
    const atResubscribe = replica.version;
    expect(atResubscribe).toBeLessThan(writer.written + 1);

    const second = subscribe(f.id, (c) => replica.offer(c));
    await second.ready;
    await replica.catchUp(bobViaAmplify, f.id);
    expect(replica.version).toBeGreaterThan(atResubscribe);
    await writer.done;
    await until(() => replica.version === 21, 'the last change live');
    second.unsubscribe();

    expect([...first.errors, ...second.errors]).toEqual([]);
    expect(replica.applied).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(replica.text).toBe(writer.head.text);
    const got = (await bobViaAmplify.call(GET, { id: f.id })).data?.getFile as { content: string; version: number };
    expect(got).toMatchObject({ version: 21, content: replica.text });
  });

  it('calls error() with Forbidden when a stranger subscribes, and the viewer is accepted once shared', async () => {
    const f = await insertText(alice, 'not-for-bob.md', 'secret');
    const refused = subscribe(f.id);
    const err = await refused.ready.then(
      () => 'unexpected ack',
      (e: unknown) => e,
    );
    expect(JSON.stringify(err)).toContain('Forbidden');

    expect((await alice.call(SHARE, { input: { fileId: f.id, userId: bob.sub, role: 'VIEWER' } })).errors).toBeUndefined();
    const accepted = subscribe(f.id);
    await accepted.ready;
    await writeEdit(alice, f.id, 1, 'secret', 0);
    await until(() => accepted.events.length === 1, 'the event after sharing');
    accepted.unsubscribe();
  });

  it('stops delivering to the removed user after unshare, while the owner keeps receiving', async () => {
    const f = await sharedWithBob('to be unshared\n');
    const s = subscribe(f.id);
    await s.ready;
    const owner = await RawClient.open(stack.runtime.realtimeUrl, { auth: { Authorization: alice.token, host: new URL(stack.runtime.graphqlUrl).host } });
    raw.push(owner);
    await owner.init();
    expect(
      (
        await owner.start(
          'own',
          `subscription($fileId: ID!) { onFileChanged(fileId: $fileId) { version } }`,
          { fileId: f.id },
          { Authorization: alice.token, host: new URL(stack.runtime.graphqlUrl).host },
        )
      ).type,
    ).toBe('start_ack');

    let head = await writeEdit(alice, f.id, 1, 'to be unshared\n', 0);
    await until(() => s.events.length === 1, 'the event before unshare');
    expect((await alice.call(UNSHARE, { input: { fileId: f.id, userId: bob.sub } })).errors).toBeUndefined();
    head = await writeEdit(alice, f.id, head.version, head.text, 1);
    await owner.next((m) => m.id === 'own' && m.type === 'data' && (m.payload!.data as { onFileChanged: { version: number } }).onFileChanged.version === head.version);
    s.unsubscribe();
    expect(s.events.map((e) => e.version)).toEqual([2]);
    expect(s.errors).toEqual([]);
  });
});
