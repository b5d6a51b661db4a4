/**
 * onFileChanged against the real local runtime over wss://, with a raw AppSync real-time client:
 * events carry what a client needs to apply them in place, a subscriber that drops catches up from
 * the log, access is checked on subscribe, and unshare ends the removed user's subscription.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../infra/api.ts';
import { startStack, type TestStack } from './harness.ts';
import { CHANGE, GET, insertText, SHARE, UNSHARE, user, type SyncUser } from './sync-client.ts';
import { backgroundWriter, Replica, until, writeEdit, type ChangeEvent } from './sync-replica.ts';
import { RawClient, type Frame } from '../../infra/local/realtime/testing/raw-client.ts';

let stack: TestStack;
let host: string;
let alice: SyncUser;
let bob: SyncUser;
let carol: SyncUser;
const clients: RawClient[] = [];

const ON_CHANGED = `subscription($fileId: ID!) { onFileChanged(fileId: $fileId) { ${CHANGE} } }`;
const wsAuth = (u: SyncUser) => ({ Authorization: u.token, host });

beforeAll(async () => {
  stack = await startStack(api);
  host = new URL(stack.runtime.graphqlUrl).host;
  const url = stack.runtime.graphqlUrl;
  alice = user(url, await stack.tokenFor('alice@example.com'));
  bob = user(url, await stack.tokenFor('bob@example.com'));
  carol = user(url, await stack.tokenFor('carol@example.com'));
});

afterAll(async () => {
  for (const c of clients) c.close();
  await stack?.stop();
});

async function connect(u: SyncUser): Promise<RawClient> {
  const c = await RawClient.open(stack.runtime.realtimeUrl, { auth: wsAuth(u) });
  clients.push(c);
  expect((await c.init()).type).toBe('connection_ack');
  return c;
}

async function subscribe(c: RawClient, u: SyncUser, id: string, fileId: string): Promise<Frame> {
  return c.start(id, ON_CHANGED, { fileId }, wsAuth(u));
}

const change = (m: Frame) => (m.payload!.data as { onFileChanged: ChangeEvent }).onFileChanged;

/** A shared file: alice owns it, bob is a viewer. */
async function sharedFile(content: string): Promise<{ id: string }> {
  const f = await insertText(alice, 'live.md', content);
  const s = await alice.call(SHARE, { input: { fileId: f.id, userId: bob.sub, role: 'VIEWER' } });
  expect(s.errors).toBeUndefined();
  return f;
}

describe('onFileChanged over wss:// (raw client)', () => {
  it('delivers every change in version order, each applicable in place (patch or content, sha256), then the DELETE', async () => {
    const f = await sharedFile('first line\n');
    const c = await connect(bob);
    expect((await subscribe(c, bob, 'live', f.id)).type).toBe('start_ack');

    let head = { version: 1, text: 'first line\n' };
    for (let n = 0; n < 20; n += 1) head = await writeEdit(alice, f.id, head.version, head.text, n);
    expect((await alice.call(`mutation($input: DeleteFileInput!) { deleteFile(input: $input) { ${CHANGE} } }`, { input: { id: f.id } })).errors).toBeUndefined();

    await c.next((m) => m.id === 'live' && m.type === 'data' && change(m).op === 'DELETE');
    const events = c.dataFrames('live').map(change);
    // In order as delivered: no reordering buffer needed for a single writer.
    expect(events.map((e) => e.version)).toEqual(Array.from({ length: 21 }, (_, i) => i + 2));
    expect(events.every((e) => e.fileId === f.id)).toBe(true);
    expect(events.filter((e) => e.op === 'MODIFY' && e.patch === null).length).toBe(4);

    const replica = new Replica(1, 'first line\n');
    let last = '';
    for (const e of events) {
      replica.offer(e);
      expect(replica.waiting).toBe(0);
      if (e.op === 'MODIFY') last = replica.text;
    }
    expect(last).toBe(head.text);
    expect(replica.deleted).toBe(true);
    expect(replica.applied).toEqual(events.map((e) => e.version));
  });

  it('a subscriber that disconnects during 20 changes catches up with getFileChanges: same content, nothing skipped or applied twice', async () => {
    const f = await sharedFile('catch me up\n');
    const replica = new Replica(1, 'catch me up\n');
    let c = await connect(bob);
    expect((await subscribe(c, bob, 'a', f.id)).type).toBe('start_ack');
    const feed = (client: RawClient, id: string) => {
      let seen = 0;
      const pump = () => {
        for (const m of client.dataFrames(id).slice(seen)) replica.offer(change(m));
        seen = client.dataFrames(id).length;
      };
      client.ws.on('message', () => queueMicrotask(pump));
      pump();
    };
    feed(c, 'a');

    const writer = backgroundWriter(alice, f.id, { version: 1, text: 'catch me up\n' }, 20);

    await until(() => replica.version >= 4, 'the first live events');
    c.close();
    await until(() => writer.written >= 9, 'writes while disconnected');
    const atReconnect = replica.version;
    expect(atReconnect).toBeLessThan(writer.written + 1); // a real gap: changes were missed while away
    // Reconnect: subscribe first, then read the log, so no change can fall between the two.
    c = await connect(bob);
    feed(c, 'b');
    expect((await subscribe(c, bob, 'b', f.id)).type).toBe('start_ack');
    await replica.catchUp(bob, f.id);
    expect(replica.version).toBeGreaterThan(atReconnect);
    await writer.done;
    await until(() => replica.version === 21, 'the last change live');

    expect(replica.applied).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(replica.waiting).toBe(0);
    const got = (await bob.call(GET, { id: f.id })).data?.getFile as { version: number; content: string };
    expect(got).toMatchObject({ version: 21, content: replica.text });
    expect(replica.text).toBe(writer.head.text);
  });

  it('checks access on subscribe: a stranger is refused with Forbidden, a viewer and the owner are accepted, an unknown id is NotFound', async () => {
    const f = await sharedFile('private\n');
    const stranger = await connect(carol);
    const refused = await subscribe(stranger, carol, 'x', f.id);
    expect(refused.type).toBe('error');
    expect((refused.payload!.errors as Array<{ errorType: string }>)[0]!.errorType).toBe('Forbidden');
    const unknown = await subscribe(stranger, carol, 'y', '00000000-0000-4000-8000-000000000000');
    expect((unknown.payload!.errors as Array<{ errorType: string }>)[0]!.errorType).toBe('NotFound');

    const viewer = await connect(bob);
    expect((await subscribe(viewer, bob, 'v', f.id)).type).toBe('start_ack');
    const owner = await connect(alice);
    expect((await subscribe(owner, alice, 'o', f.id)).type).toBe('start_ack');
    await writeEdit(alice, f.id, 1, 'private\n', 0);
    await viewer.next((m) => m.id === 'v' && m.type === 'data');
    await owner.next((m) => m.id === 'o' && m.type === 'data');
    // The refused stranger's socket still serves, and got nothing for the refused ids.
    expect(stranger.frames.filter((m) => m.type === 'data')).toEqual([]);
    expect(stranger.closed).toBe(false);
  });

  it("unshare ends the removed user's subscription with complete; others and their other files keep receiving", async () => {
    const f = await sharedFile('shared\n');
    const other = await sharedFile('other\n');
    const removed = await connect(bob);
    expect((await subscribe(removed, bob, 'gone', f.id)).type).toBe('start_ack');
    expect((await subscribe(removed, bob, 'kept', other.id)).type).toBe('start_ack');
    const owner = await connect(alice);
    expect((await subscribe(owner, alice, 'own', f.id)).type).toBe('start_ack');

    const from = removed.frames.length;
    expect((await alice.call(UNSHARE, { input: { fileId: f.id, userId: bob.sub } })).errors).toBeUndefined();
    await removed.next((m) => m.id === 'gone' && m.type === 'complete', from);

    await writeEdit(alice, f.id, 1, 'shared\n', 0);
    await writeEdit(alice, other.id, 1, 'other\n', 0);
    await owner.next((m) => m.id === 'own' && m.type === 'data');
    await removed.next((m) => m.id === 'kept' && m.type === 'data');
    expect(removed.dataFrames('gone')).toEqual([]);
    expect(removed.frames.filter((m) => m.type === 'complete').map((m) => m.id)).toEqual(['gone']);
    // Subscribing again is now refused.
    const again = await subscribe(removed, bob, 'again', f.id);
    expect((again.payload!.errors as Array<{ errorType: string }>)[0]!.errorType).toBe('Forbidden');
  });
});
