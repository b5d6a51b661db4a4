/**
 * Users choose what they are notified about: setFileNotifications against the real runtime, with the
 * notify stream handler and the local topic. A member who mutes a file drops out of its events'
 * `recipients` (and so out of a topic subscription filtered on them) until they unmute; the author is
 * never a recipient of their own change. Strangers, removed members and bad input are refused with
 * nothing written.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../infra/api.ts';
import type { FileChangedDetail } from '../../resolvers/handlers/notify/events.ts';
import { startStack, type TestStack } from './harness.ts';
import { errorType, insertText, MODIFY, SHARE, sha256, UNSHARE, user, type SyncUser } from './sync-client.ts';

const SET = `mutation($input: SetFileNotificationsInput!) { setFileNotifications(input: $input) { fileId userId muted at } }`;

let stack: TestStack;
let server: Server;
let url: string;
/** What the topic delivered to each filtered subscriber, by path. */
const delivered = new Map<string, FileChangedDetail[]>();
let alice: SyncUser;
let bob: SyncUser;
let carol: SyncUser;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const note = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Message: string };
      const list = delivered.get(req.url ?? '/') ?? [];
      list.push((JSON.parse(note.Message) as { detail: FileChangedDetail }).detail);
      delivered.set(req.url ?? '/', list);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stack = await startStack(api, { notifications: {} });
  alice = user(stack.runtime.graphqlUrl, await stack.tokenFor('alice@example.com'));
  bob = user(stack.runtime.graphqlUrl, await stack.tokenFor('bob@example.com'));
  carol = user(stack.runtime.graphqlUrl, await stack.tokenFor('carol@example.com'));
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  server?.close();
});

/** Alice writes `text` on top of `base`; returns the new version. */
async function write(fileId: string, base: number, text: string): Promise<number> {
  const body = await alice.call(MODIFY, { input: { id: fileId, baseVersion: base, content: text, sha256: sha256(text), requestId: randomUUID() } });
  expect(body.errors).toBeUndefined();
  return (body.data!.modifyFile as { version: number }).version;
}

async function memberItem(fileId: string, sub: string) {
  const out = await stack.runtime.dynamodb.client.send(
    new GetItemCommand({ TableName: stack.runtime.tableName('files'), Key: { pk: { S: `FILE#${fileId}` }, sk: { S: `ACL#${sub}` } }, ConsistentRead: true }),
  );
  return out.Item;
}

describe('setFileNotifications', () => {
  it('a muted member leaves the recipients (and a topic subscription filtered on them) until unmuted; the author never gets their own change', { timeout: 120_000 }, async () => {
    const topic = stack.runtime.notifications!.topics.notifications!;
    topic.subscribe({ url: `${url}/bob`, filterPolicyScope: 'MessageBody', filterPolicy: { detail: { recipients: [bob.sub] } } });
    topic.subscribe({ url: `${url}/alice`, filterPolicyScope: 'MessageBody', filterPolicy: { detail: { recipients: [alice.sub] } } });

    const { id } = await insertText(alice, 'plan.txt', 'v1');
    // No waiting for events to go out: each change records its audience when it commits.
    expect((await alice.call(SHARE, { input: { fileId: id, userId: bob.sub, role: 'EDITOR' } })).errors).toBeUndefined();
    const v2 = await write(id, 1, 'v2'); // bob hears of it

    const muted = await bob.call(SET, { input: { fileId: id, muted: true } });
    expect(muted.errors).toBeUndefined();
    expect(muted.data!.setFileNotifications).toMatchObject({ fileId: id, userId: bob.sub, muted: true });
    const v3 = await write(id, v2, 'v3'); // bob muted: not a recipient, still a member

    expect((await bob.call(SET, { input: { fileId: id, muted: false } })).errors).toBeUndefined();
    const v4 = await write(id, v3, 'v4');

    // Bob as the author: alice (the owner) is told, bob is not told of his own change.
    const text = 'v5 by bob';
    const byBob = await bob.call(MODIFY, { input: { id, baseVersion: v4, content: text, sha256: sha256(text), requestId: randomUUID() } });
    expect(byBob.errors).toBeUndefined();
    await stack.runtime.flushNotifications();

    const mine = (path: string) =>
      (delivered.get(path) ?? [])
        .filter((d) => d.fileId === id)
        .map((d) => d.version)
        .sort((a, b) => a - b);
    expect(mine('/bob')).toEqual([v2, v4]);
    expect(mine('/alice')).toEqual([5]);
    // Every change still produced its event for everyone else (the outbox holds all five), members unchanged.
    const all = topic
      .outbox()
      .map((n) => (JSON.parse(n.Message) as { detail: FileChangedDetail }).detail)
      .filter((d) => d.fileId === id);
    expect(all.map((d) => d.version).sort()).toEqual([1, 2, 3, 4, 5]);
    const v3Event = all.find((d) => d.version === v3)!;
    expect(v3Event.members).toEqual([alice.sub, bob.sub].sort());
    expect(v3Event.recipients).toEqual([]);
    // The setting did not touch the file: version and bob's listFiles position are as the writes left them.
    const item = await memberItem(id, bob.sub);
    expect(item?.muted).toEqual({ BOOL: false });
    expect(item?.role).toEqual({ S: 'EDITOR' });
  });

  it('a stranger and a removed member are Forbidden, an unknown file NotFound, a bad id InvalidInput: nothing written', { timeout: 60_000 }, async () => {
    const { id } = await insertText(alice, 'private.txt', 'x');
    const stranger = await carol.call(SET, { input: { fileId: id, muted: true } });
    expect(errorType(stranger)).toBe('Forbidden');
    expect(stranger.data?.setFileNotifications ?? null).toBeNull();
    expect(await memberItem(id, carol.sub)).toBeUndefined();

    expect((await alice.call(SHARE, { input: { fileId: id, userId: carol.sub, role: 'VIEWER' } })).errors).toBeUndefined();
    expect((await carol.call(UNSHARE, { input: { fileId: id, userId: carol.sub } })).errors).toBeUndefined();
    const removed = await carol.call(SET, { input: { fileId: id, muted: true } });
    expect(errorType(removed)).toBe('Forbidden');
    expect((await memberItem(id, carol.sub))?.muted).toBeUndefined();

    expect(errorType(await alice.call(SET, { input: { fileId: randomUUID(), muted: true } }))).toBe('NotFound');
    const bad = await alice.call(SET, { input: { fileId: 'not an id', muted: true } });
    expect(errorType(bad)).toBe('InvalidInput');
    expect((await memberItem(id, alice.sub))?.muted).toBeUndefined();
  });
});
