/**
 * The member list and presence (schema/members.graphql, schema/presence.graphql) through the SDK
 * against the real local runtime: fileMembers lists roles, owner first, for members only;
 * announcePresence relays to onPresence subscribers with the announcer's sub from their token, and
 * refuses strangers and bad input with typed errors; unshareFile ends the removed member's onPresence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api, Presence } from '../../client/sdk/index.ts';
import { api as definition } from '../../infra/api.ts';
import { sdkUser } from './client-harness.ts';
import { startStack, type TestStack } from './harness.ts';

let stack: TestStack;
let alice: { api: Api; sub: string };
let bob: { api: Api; sub: string };
let carol: { api: Api; sub: string };
let eve: { api: Api; sub: string };
let fileId: string;

beforeAll(async () => {
  stack = await startStack(definition);
  [alice, bob, carol, eve] = (await Promise.all(['alice', 'bob', 'carol', 'eve'].map((n) => sdkUser(stack, `${n}@example.com`)))) as [typeof alice, typeof alice, typeof alice, typeof alice];
  fileId = (await alice.api.insertFile({ name: 'p.txt', contentType: 'text/plain', content: 'hello', sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824' })).fileId;
  await alice.api.shareFile({ fileId, userId: bob.sub, role: 'EDITOR' });
  await alice.api.shareFile({ fileId, userId: carol.sub, role: 'VIEWER' });
});
afterAll(async () => {
  for (const u of [alice, bob, carol, eve]) await u?.api.session.signOut();
  await stack?.stop();
});

/** Subscribes and resolves once the subscription is acknowledged; events collect in the array. */
function watch(u: { api: Api }, id = fileId): Promise<{ got: Presence[]; stop(): void; errors: string[] }> {
  return new Promise((resolve) => {
    const got: Presence[] = [];
    const errors: string[] = [];
    const stop = u.api.onPresence(id, {
      next: (p) => got.push(p),
      ready: () => resolve({ got, stop, errors }),
      error: (e) => {
        errors.push(e.errorType);
        resolve({ got, stop, errors });
      },
    });
  });
}

const announce = (u: { api: Api }, over: Partial<Parameters<Api['announcePresence']>[0]> = {}) =>
  u.api.announcePresence({ fileId, sessionId: 's-1', name: 'someone', anchor: 1, head: 3, version: 1, ...over });

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => 'none',
    (e: { errorType?: string }) => e.errorType,
  );

describe('members and presence', () => {
  it('fileMembers: roles, owner first, for members only', async () => {
    expect(await carol.api.fileMembers(fileId)).toEqual([
      { fileId, userId: alice.sub, role: 'OWNER' },
      ...[
        { fileId, userId: bob.sub, role: 'EDITOR' },
        { fileId, userId: carol.sub, role: 'VIEWER' },
      ].sort((a, b) => a.userId.localeCompare(b.userId)),
    ]);
    expect(await errorOf(eve.api.fileMembers(fileId))).toBe('Forbidden');
    expect(await errorOf(eve.api.fileMembers('00000000-0000-4000-8000-000000000000'))).toBe('NotFound');
  });

  it("announcePresence reaches every member's onPresence with the announcer's sub; strangers and bad input are refused", async () => {
    const [b, c] = await Promise.all([watch(bob), watch(carol)]);
    expect([b.errors, c.errors]).toEqual([[], []]);
    // A viewer is present too; userId comes from the token whatever the input says.
    const sent = await announce(carol, { sessionId: 'carol-tab', name: 'Carol', anchor: 4, head: 2, version: 1 });
    expect(sent).toMatchObject({ fileId, userId: carol.sub, sessionId: 'carol-tab', name: 'Carol', anchor: 4, head: 2, version: 1, leaving: false });
    await expect.poll(() => b.got.length, { timeout: 10_000 }).toBe(1);
    expect(b.got[0]).toEqual(sent);
    await expect.poll(() => c.got.length, { timeout: 10_000 }).toBe(1);

    expect(await errorOf(announce(eve))).toBe('Forbidden');
    expect(await errorOf(announce(eve, { fileId: '00000000-0000-4000-8000-000000000000' }))).toBe('Forbidden');
    expect(await errorOf(announce(bob, { anchor: -1 }))).toBe('InvalidInput');
    expect(await errorOf(announce(bob, { name: '' }))).toBe('InvalidInput');
    expect(await errorOf(announce(bob, { sessionId: 'no spaces' }))).toBe('InvalidInput');
    // Subscribing is checked as for onFileChanged: the refusal arrives typed.
    expect((await watch(eve)).errors).toEqual(['Forbidden']);
    expect((await watch(eve, '00000000-0000-4000-8000-000000000000')).errors).toEqual(['NotFound']);
    // Nothing of the refused ones was relayed.
    await announce(alice, { sessionId: 'alice-tab', leaving: true });
    await expect.poll(() => b.got.length, { timeout: 10_000 }).toBe(2);
    expect(b.got[1]).toMatchObject({ userId: alice.sub, sessionId: 'alice-tab', leaving: true });
    b.stop();
    c.stop();
  });

  it("unshareFile ends the removed member's onPresence; the others keep theirs", async () => {
    const [b, c] = await Promise.all([watch(bob), watch(carol)]);
    await alice.api.unshareFile({ fileId, userId: bob.sub });
    expect(await errorOf(announce(bob))).toBe('Forbidden');
    await announce(alice, { sessionId: 'after-unshare' });
    await announce(alice, { sessionId: 'after-unshare', anchor: 2 });
    await expect.poll(() => c.got.length, { timeout: 10_000 }).toBe(2);
    expect(b.got).toEqual([]);
    c.stop();
  });
});
