/**
 * Every errorType in the schema's documented list, over HTTP against the local runtime, with the
 * documented errorInfo, and nothing committed by a refused request.
 */
import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../infra/api.ts';
import { diffText } from '../../client/patch/index.ts';
import { gql, startStack, type GqlResponse, type TestStack } from './harness.ts';
import { MAX_MEMBERS } from '../../resolvers/lib/limits.ts';
import { CHANGES, DELETE, GET, INSERT, insertText, LIST, MODIFY, SHARE, sha256, SYNC, UNSHARE, user, type SyncUser } from './sync-client.ts';
import { writeEdit } from './sync-replica.ts';

let stack: TestStack;
let alice: SyncUser;
let bob: SyncUser;
let carol: SyncUser;

beforeAll(async () => {
  stack = await startStack(api);
  const url = stack.runtime.graphqlUrl;
  alice = user(url, await stack.tokenFor('alice@example.com'));
  bob = user(url, await stack.tokenFor('bob@example.com'));
  carol = user(url, await stack.tokenFor('carol@example.com'));
});

afterAll(async () => {
  await stack?.stop();
});

type Body = GqlResponse['body'];
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

/** The one error of a refused call: its errorType and errorInfo, with data null for the field. */
function failure(body: Body): { errorType: string; errorInfo: Record<string, unknown> } {
  expect(body.errors).toHaveLength(1);
  const e = body.errors![0]!;
  return { errorType: e.errorType as string, errorInfo: (e.errorInfo ?? {}) as Record<string, unknown> };
}

const modifyInput = (id: string, baseVersion: number, from: string, to: string) => ({
  id,
  baseVersion,
  patch: JSON.stringify(diffText(from, to)),
  sha256: sha256(to),
  requestId: randomUUID(),
});

async function head(id: string): Promise<{ version: number; content: string | null }> {
  return (await alice.call(GET, { id })).data!.getFile as { version: number; content: string | null };
}

describe('Conflict', () => {
  it('modifyFile on a stale base: headVersion and reason STALE_BASE; deleteFile with a stale baseVersion', async () => {
    const f = await insertText(alice, 'c.txt', 'v1');
    await writeEdit(alice, f.id, 1, 'v1', 0);
    // A text patch at a stale base is moved over what it missed; whole content cannot be, and conflicts.
    const stale = failure(await alice.call(MODIFY, { input: { id: f.id, baseVersion: 1, content: 'other', sha256: sha256('other'), requestId: randomUUID() } }));
    expect(stale).toEqual({ errorType: 'Conflict', errorInfo: expect.objectContaining({ headVersion: 2, reason: 'STALE_BASE' }) });
    const del = failure(await alice.call(DELETE, { input: { id: f.id, baseVersion: 1 } }));
    expect(del).toMatchObject({ errorType: 'Conflict', errorInfo: { headVersion: 2 } });
    expect(await head(f.id)).toMatchObject({ version: 2 });
  });
});

describe('AlreadyExists', () => {
  it('insertFile with an id another insert used; the same id and requestId replays instead', async () => {
    const id = randomUUID();
    const requestId = randomUUID();
    const input = { id, name: 'x.txt', contentType: 'text/plain', content: 'first', sha256: sha256('first'), requestId };
    const first = await alice.call(INSERT, { input });
    expect(first.errors).toBeUndefined();
    expect((await alice.call(INSERT, { input })).data?.insertFile).toEqual(first.data?.insertFile);
    const taken = failure(await bob.call(INSERT, { input: { ...input, content: 'second', sha256: sha256('second'), requestId: randomUUID() } }));
    expect(taken).toEqual({ errorType: 'AlreadyExists', errorInfo: { fileId: id } });
    expect(await head(id)).toMatchObject({ version: 1, content: 'first' });
  });
});

describe('NotFound', () => {
  it('unknown ids on every operation, a deleted file on modify, and an unshare of a non-member', async () => {
    for (const [q, v] of [
      [GET, { id: UNKNOWN }],
      [CHANGES, { fileId: UNKNOWN, sinceVersion: 0 }],
      [MODIFY, { input: modifyInput(UNKNOWN, 1, 'a', 'b') }],
      [DELETE, { input: { id: UNKNOWN } }],
      [SHARE, { input: { fileId: UNKNOWN, userId: bob.sub, role: 'VIEWER' } }],
      [UNSHARE, { input: { fileId: UNKNOWN, userId: bob.sub } }],
    ] as const) {
      expect(failure(await alice.call(q, v))).toMatchObject({ errorType: 'NotFound', errorInfo: { fileId: UNKNOWN, deleted: false } });
    }
    const f = await insertText(alice, 'n.txt', 'here');
    expect(failure(await alice.call(UNSHARE, { input: { fileId: f.id, userId: bob.sub } })).errorType).toBe('NotFound');
    expect((await alice.call(DELETE, { input: { id: f.id } })).errors).toBeUndefined();
    expect(failure(await alice.call(MODIFY, { input: modifyInput(f.id, 2, '', 'x') }))).toMatchObject({ errorType: 'NotFound', errorInfo: { fileId: f.id, deleted: true } });
    expect(failure(await alice.call(DELETE, { input: { id: f.id } })).errorType).toBe('NotFound');
  });
});

describe('Forbidden', () => {
  it('strangers on queries and mutations, viewers on modify, editors on delete/share/unshare of others; nothing changes', async () => {
    const f = await insertText(alice, 'f.txt', 'base');
    expect((await alice.call(SHARE, { input: { fileId: f.id, userId: bob.sub, role: 'VIEWER' } })).errors).toBeUndefined();
    const stranger = [
      [GET, { id: f.id }],
      [CHANGES, { fileId: f.id, sinceVersion: 0 }],
      [MODIFY, { input: modifyInput(f.id, 1, 'base', 'carol') }],
      [DELETE, { input: { id: f.id } }],
      [SHARE, { input: { fileId: f.id, userId: 'someone-else', role: 'EDITOR' } }],
      [UNSHARE, { input: { fileId: f.id, userId: bob.sub } }],
    ] as const;
    for (const [q, v] of stranger) expect(failure(await carol.call(q, v))).toEqual({ errorType: 'Forbidden', errorInfo: { fileId: f.id, role: null } });
    expect(failure(await bob.call(MODIFY, { input: modifyInput(f.id, 1, 'base', 'bob') }))).toEqual({ errorType: 'Forbidden', errorInfo: { fileId: f.id, role: 'VIEWER' } });

    expect((await alice.call(SHARE, { input: { fileId: f.id, userId: bob.sub, role: 'EDITOR' } })).errors).toBeUndefined();
    expect((await alice.call(SHARE, { input: { fileId: f.id, userId: carol.sub, role: 'VIEWER' } })).errors).toBeUndefined();
    expect(failure(await bob.call(DELETE, { input: { id: f.id } }))).toMatchObject({ errorType: 'Forbidden', errorInfo: { role: 'EDITOR' } });
    expect(failure(await bob.call(SHARE, { input: { fileId: f.id, userId: UNKNOWN, role: 'VIEWER' } })).errorType).toBe('Forbidden');
    expect(failure(await bob.call(UNSHARE, { input: { fileId: f.id, userId: carol.sub } })).errorType).toBe('Forbidden');
    expect(await head(f.id)).toMatchObject({ version: 1, content: 'base' });
    expect((await carol.call(GET, { id: f.id })).data?.getFile).toMatchObject({ myRole: 'VIEWER' });
  });
});

describe('InvalidInput', () => {
  it('names the field: name, contentType, sha256, patch shape and offsets, both/neither of patch and content, cursor, tokens, owner sharing', async () => {
    const ok = { name: 'i.txt', contentType: 'text/plain', content: 'abc', sha256: sha256('abc'), requestId: randomUUID() };
    const insertField = async (over: Record<string, unknown>) => failure(await alice.call(INSERT, { input: { ...ok, ...over } })).errorInfo.field;
    expect(await insertField({ name: '   ' })).toBe('name');
    expect(await insertField({ contentType: 'not a type' })).toBe('contentType');
    expect(await insertField({ sha256: 'ABC' })).toBe('sha256');
    expect(await insertField({ encoding: 'BASE64', content: 'not base64!' })).toBe('content');

    const f = await insertText(alice, 'i.txt', 'abc');
    const modifyField = async (over: Record<string, unknown>) => {
      const res = failure(await alice.call(MODIFY, { input: { ...modifyInput(f.id, 1, 'abc', 'abcd'), ...over } }));
      expect(res.errorType).toBe('InvalidInput');
      return res.errorInfo.field;
    };
    expect(await modifyField({ patch: JSON.stringify({ v: 1, t: 'text', ops: [5] }) })).toBe('patch'); // past the end
    expect(await modifyField({ patch: JSON.stringify({ v: 2, t: 'text', ops: [3] }) })).toBe('patch'); // unknown version
    expect(await modifyField({ patch: JSON.stringify([1, 2]) })).toBe('patch'); // not an object
    expect(await modifyField({ content: 'abcd' })).toBe('patch'); // both
    expect(await modifyField({ patch: null })).toBe('patch'); // neither
    expect(await modifyField({ baseVersion: 0 })).toBe('baseVersion');
    expect(await modifyField({ sha256: 'xyz' })).toBe('sha256');

    expect(failure(await alice.call(CHANGES, { fileId: f.id, sinceVersion: -1 })).errorInfo).toMatchObject({ field: 'sinceVersion' });
    expect(failure(await alice.call(CHANGES, { fileId: f.id, sinceVersion: 0, nextToken: 'garbage' })).errorInfo).toMatchObject({ field: 'nextToken' });
    expect(failure(await alice.call(SYNC, { cursor: 'garbage' })).errorInfo).toMatchObject({ field: 'cursor' });
    expect(failure(await alice.call(LIST, { limit: 0 })).errorInfo).toMatchObject({ field: 'limit' });
    expect(failure(await alice.call(SHARE, { input: { fileId: f.id, userId: alice.sub, role: 'EDITOR' } })).errorInfo).toMatchObject({ field: 'userId' });
    expect(failure(await alice.call(UNSHARE, { input: { fileId: f.id, userId: alice.sub } })).errorInfo).toMatchObject({ field: 'userId' });
    expect(await head(f.id)).toMatchObject({ version: 1, content: 'abc' });
  });
});

describe('TooLarge', () => {
  it('inline content, name, content type, a patch (JSON size, and its result), page limits, member count', async () => {
    const big = 'a'.repeat(32_769);
    const ins = failure(await alice.call(INSERT, { input: { name: 'big.txt', contentType: 'text/plain', content: big, sha256: sha256(big), requestId: randomUUID() } }));
    expect(ins).toEqual({ errorType: 'TooLarge', errorInfo: { field: 'content', limit: 32_768, actual: 32_769 } });
    expect(failure(await alice.call(INSERT, { input: { name: 'n'.repeat(256), contentType: 'text/plain', content: '', sha256: sha256(''), requestId: randomUUID() } })).errorInfo).toMatchObject({
      field: 'name',
      limit: 255,
    });
    expect(failure(await alice.call(INSERT, { input: { name: 'x', contentType: `text/${'p'.repeat(256)}`, content: '', sha256: sha256(''), requestId: randomUUID() } })).errorInfo).toMatchObject({
      field: 'contentType',
      limit: 255,
    });

    const f = await insertText(alice, 't.txt', 'x'.repeat(32_000));
    const hugeInsert = { v: 1, t: 'text', ops: [32_000, 'y'.repeat(66_000)] };
    expect(failure(await alice.call(MODIFY, { input: { id: f.id, baseVersion: 1, patch: JSON.stringify(hugeInsert), sha256: sha256('x'), requestId: randomUUID() } })).errorInfo).toMatchObject({
      field: 'patch',
      limit: 65_536,
    });
    const overflow = { v: 1, t: 'text', ops: [32_000, 'y'.repeat(1_000)] };
    expect(failure(await alice.call(MODIFY, { input: { id: f.id, baseVersion: 1, patch: JSON.stringify(overflow), sha256: sha256('x'), requestId: randomUUID() } })).errorInfo).toMatchObject({
      field: 'content',
      limit: 32_768,
      actual: 33_000,
    });
    expect(failure(await alice.call(MODIFY, { input: { id: f.id, baseVersion: 1, content: big, sha256: sha256(big), requestId: randomUUID() } })).errorInfo).toMatchObject({ field: 'content' });

    expect(failure(await alice.call(CHANGES, { fileId: f.id, sinceVersion: 0, limit: 101 })).errorInfo).toMatchObject({ field: 'limit', limit: 100, actual: 101 });
    expect(failure(await alice.call(LIST, { limit: 101 })).errorType).toBe('TooLarge');
    expect(failure(await alice.call(SYNC, { limit: 101 })).errorType).toBe('TooLarge');

    // MAX_MEMBERS - 1 members + the owner is the limit; one more share is refused.
    const m = await insertText(alice, 'crowded.txt', '');
    for (let i = 0; i < MAX_MEMBERS - 1; i += 1) {
      expect((await alice.call(SHARE, { input: { fileId: m.id, userId: `member-${i}`, role: 'VIEWER' } })).errors).toBeUndefined();
    }
    expect(failure(await alice.call(SHARE, { input: { fileId: m.id, userId: 'one-too-many', role: 'VIEWER' } }))).toEqual({
      errorType: 'TooLarge',
      errorInfo: { field: 'members', limit: MAX_MEMBERS, actual: MAX_MEMBERS + 1 },
    });
    // A delete marks every member's index item in its one transaction: the most members fit.
    expect((await alice.call(DELETE, { input: { id: m.id, requestId: randomUUID() } })).errors).toBeUndefined();
    expect(await head(f.id)).toMatchObject({ version: 1 });
  });
});

describe('LogTruncated', () => {
  it('when the retained log no longer covers sinceVersion (an expired change record), or has a gap', async () => {
    const f = await insertText(alice, 'log.txt', 'l');
    let h = { version: 1, text: 'l' };
    for (let n = 0; n < 4; n += 1) h = await writeEdit(alice, f.id, h.version, h.text, n);
    // What TTL expiry does to an old change record.
    await stack.runtime.dynamodb.client.send(new DeleteItemCommand({ TableName: stack.runtime.tableName('files'), Key: { pk: { S: `FILE#${f.id}` }, sk: { S: 'V#0000000002' } } }));
    expect(failure(await alice.call(CHANGES, { fileId: f.id, sinceVersion: 1 }))).toEqual({ errorType: 'LogTruncated', errorInfo: { fileId: f.id, headVersion: 5, coveredFrom: 3 } });
    expect(failure(await alice.call(CHANGES, { fileId: f.id, sinceVersion: 0 })).errorType).toBe('LogTruncated'); // a gap after v1
    const rest = (await alice.call(CHANGES, { fileId: f.id, sinceVersion: 2 })).data?.getFileChanges as { items: Array<{ version: number }> };
    expect(rest.items.map((c) => c.version)).toEqual([3, 4, 5]);
  });
});

describe('Busy and Conflict ACCESS_CHANGED', () => {
  // Both need two requests interleaved inside one resolver pipeline, so they are provoked by a real
  // race: the owner edits one file back to back while also re-sharing it back to back. A modify whose
  // authorize read the members before a share committed fails its aclVersion condition at the same
  // head version (ACCESS_CHANGED); a share whose authorize read the head before a modify committed
  // fails its version condition, and transactions on the same head at the same instant are
  // cancelled (Busy). The loops run until each outcome was seen a few times, bounded by a round count.
  it('both are refused with their errorInfo, commit nothing, and the documented retry of the same request commits once', async () => {
    const f = await insertText(alice, 'race.txt', 'r');
    const seen = { accessChanged: 0, busy: 0, busyShare: 0 };
    const acked = new Set<string>();
    let sharesCommitted = 0;
    let lastRole = '';
    let done = false;
    const enough = () => seen.accessChanged >= 2 && seen.busy >= 2;
    const MAX_ROUNDS = 600;

    const writer = async () => {
      let h = { version: 1, text: 'r' };
      for (let n = 0; n < MAX_ROUNDS && !enough(); n += 1) {
        const to = `${h.text}${n % 10}`;
        const input = modifyInput(f.id, h.version, h.text, to);
        // Retry the same request (same requestId) while the answer says to: ACCESS_CHANGED as is, Busy after a pause.
        for (let attempt = 0; ; attempt += 1) {
          const body = await alice.call(MODIFY, { input });
          if (!body.errors) {
            expect(body.data!.modifyFile as { requestId: string; version: number }).toMatchObject({ requestId: input.requestId, version: h.version + 1 });
            acked.add(input.requestId);
            h = { version: h.version + 1, text: to };
            break;
          }
          const e = failure(body);
          if (e.errorType === 'Conflict') {
            expect(e.errorInfo).toEqual({ fileId: f.id, headVersion: h.version, reason: 'ACCESS_CHANGED' });
            seen.accessChanged += 1;
          } else {
            expect(e).toEqual({ errorType: 'Busy', errorInfo: { fileId: f.id } });
            seen.busy += 1;
          }
          expect(attempt).toBeLessThan(50);
          await new Promise((r) => setTimeout(r, e.errorType === 'Busy' ? 2 : 0));
        }
      }
      done = true;
    };
    const sharer = async () => {
      for (let n = 0; !done; n += 1) {
        const role = n % 2 === 0 ? 'EDITOR' : 'VIEWER';
        const body = await alice.call(SHARE, { input: { fileId: f.id, userId: carol.sub, role } });
        if (!body.errors) {
          sharesCommitted += 1;
          lastRole = role;
          continue;
        }
        expect(failure(body)).toEqual({ errorType: 'Busy', errorInfo: { fileId: f.id } });
        seen.busy += 1;
        seen.busyShare += 1;
      }
    };
    await Promise.all([writer(), sharer()]);
    expect(seen.accessChanged).toBeGreaterThanOrEqual(2);
    expect(seen.busy).toBeGreaterThanOrEqual(2);

    // Nothing refused was committed: the log holds exactly the acknowledged modifies, once each, contiguous.
    // A nextToken is the last version read: from "0" it pages the log itself (a first page far behind would be a snapshot).
    const log: Array<{ version: number; requestId: string }> = [];
    let nextToken: string | null = '0';
    do {
      const page = (await alice.call(CHANGES, { fileId: f.id, sinceVersion: 0, limit: 100, nextToken })).data!.getFileChanges as {
        items: Array<{ version: number; requestId: string }>;
        nextToken: string | null;
      };
      log.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(log.map((c) => c.version)).toEqual(Array.from({ length: acked.size + 1 }, (_, i) => i + 1));
    expect(new Set(log.slice(1).map((c) => c.requestId))).toEqual(acked);
    // ... and only the acknowledged shares moved the head's member version; carol holds the last one's role.
    const head = await stack.runtime.dynamodb.client.send(
      new GetItemCommand({ TableName: stack.runtime.tableName('files'), Key: { pk: { S: `FILE#${f.id}` }, sk: { S: 'HEAD' } }, ConsistentRead: true }),
    );
    expect(Number(head.Item!.aclVersion!.N)).toBe(sharesCommitted);
    expect((await carol.call(GET, { id: f.id })).data?.getFile).toMatchObject({ version: acked.size + 1, myRole: lastRole });
    console.log(`race: ${acked.size} modifies, ${sharesCommitted} shares, ${seen.accessChanged} ACCESS_CHANGED, ${seen.busy} Busy (${seen.busyShare} on share)`);
  }, 120_000);
});

describe('Unauthorized', () => {
  it('no or a forged token is refused with 401 before any resolver runs', async () => {
    const none = await gql(stack.runtime.graphqlUrl, GET, { id: UNKNOWN });
    expect(none.status).toBe(401);
    expect(none.body.errors?.[0]?.errorType).toMatch(/Unauthorized/);
    const forged = await gql(stack.runtime.graphqlUrl, GET, { id: UNKNOWN }, { authorization: 'eyJhbGciOiJub25lIn0.e30.' });
    expect(forged.status).toBe(401);
  });
});
