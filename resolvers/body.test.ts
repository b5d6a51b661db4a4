import { createHash, randomUUID } from 'node:crypto';
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyText, diffText } from '../client/patch/index.ts';
import { RECENT_PATCHES, TAIL_PATCHES } from './lib/limits.ts';
import { startResolverHarness, type ResolverHarness } from './testing/harness.ts';

// Inline content lives in the BODY item at some version; the log's patches after it bring it to the head.
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
let h: ResolverHarness;

beforeAll(async () => {
  h = await startResolverHarness();
});
afterAll(async () => {
  await h?.stop();
});

const A = 'alice-sub';

async function item(id: string, sk: string): Promise<Record<string, unknown> | undefined> {
  const r = await h.dynamo.client.send(new GetItemCommand({ TableName: 'files', Key: marshall({ pk: `FILE#${id}`, sk }), ConsistentRead: true }));
  return r.Item ? unmarshall(r.Item) : undefined;
}

async function insert(content: string): Promise<string> {
  const r = await h.run('Mutation.insertFile', A, { input: { name: 'b.txt', contentType: 'text/plain', content, sha256: sha(content), requestId: randomUUID() } });
  expect(r.errors).toEqual([]);
  return (r.data as { fileId: string }).fileId;
}

function modify(id: string, baseVersion: number, from: string, to: string) {
  return h.run('Mutation.modifyFile', A, { input: { id, baseVersion, patch: diffText(from, to), sha256: sha(to), requestId: randomUUID() } });
}

async function getFile(id: string) {
  return h.run('Query.getFile', A, { id });
}

describe('inline content lives in the BODY item, not in the head', () => {
  it('no write puts the content in the head; the body is rewritten every TAIL_PATCHES patches; getFile and getFileChanges rebuild the head', async () => {
    let text = 'start\n';
    const id = await insert(text);
    expect(await item(id, 'HEAD')).not.toHaveProperty('content');
    expect(await item(id, 'BODY')).toMatchObject({ version: 1, content: text, sha256: sha(text) });
    const edits = TAIL_PATCHES + 10;
    for (let v = 1; v <= edits; v += 1) {
      const next = `${text}line ${v}\n`;
      const r = await modify(id, v, text, next);
      expect(r.errors).toEqual([]);
      text = next;
    }
    const headVersion = edits + 1;
    const head = await item(id, 'HEAD');
    expect(head).not.toHaveProperty('content');
    expect(head).toMatchObject({ version: headVersion, bodyVersion: 1 + TAIL_PATCHES, sha256: sha(text) });
    // The body was rewritten at the commit that made the tail TAIL_PATCHES long, with that version's content.
    const body = (await item(id, 'BODY')) as { version: number; content: string; sha256: string };
    expect(body.version).toBe(1 + TAIL_PATCHES);
    expect(body.sha256).toBe(sha(body.content));
    expect(text.startsWith(body.content)).toBe(true);
    const file = await getFile(id);
    expect(file.errors).toEqual([]);
    expect(file.data).toMatchObject({ version: headVersion, content: text, sha256: sha(text), contentVersion: headVersion });
    // A reader far behind starts from the body, then the patches after it.
    const log = await h.run('Query.getFileChanges', A, { fileId: id, sinceVersion: 0, limit: 100 });
    expect(log.errors).toEqual([]);
    const page = log.data as { snapshot: { version: number; content: string; sha256: string }; items: Array<{ version: number; patch: string }> };
    expect(page.snapshot).toMatchObject({ version: body.version, content: body.content, sha256: body.sha256 });
    let replayed = page.snapshot.content;
    for (const c of page.items) replayed = applyText(JSON.parse(c.patch), replayed);
    expect(page.items.map((c) => c.version)).toEqual(Array.from({ length: headVersion - body.version }, (_, i) => body.version + 1 + i));
    expect(replayed).toBe(text);
  });

  it('a head written before BODY items (content inline) reads as before, and its next commit moves the content to the BODY', async () => {
    const id = randomUUID();
    const text = 'legacy content';
    const now = new Date().toISOString();
    const summary = {
      id,
      name: 'old.txt',
      contentType: 'text/plain',
      encoding: 'TEXT',
      size: text.length,
      length: text.length,
      sha256: sha(text),
      version: 1,
      owner: A,
      createdAt: now,
      updatedAt: now,
      updatedBy: A,
      deleted: false,
    };
    const put = (sk: string, extra: Record<string, unknown>) => h.dynamo.client.send(new PutItemCommand({ TableName: 'files', Item: marshall({ pk: `FILE#${id}`, sk, ...extra }) }));
    await put('HEAD', { ...summary, aclVersion: 0, content: text });
    await put(`ACL#${A}`, { ...summary, member: A, role: 'OWNER', syncKey: `0000000000000#${id}` });
    await put('V#0000000001', {
      fileId: id,
      version: 1,
      op: 'INSERT',
      author: A,
      at: now,
      name: 'old.txt',
      contentType: 'text/plain',
      encoding: 'TEXT',
      size: text.length,
      length: text.length,
      sha256: sha(text),
      content: text,
      requestId: randomUUID(),
      deleted: false,
      expiresAt: 4102444800,
    });
    expect((await getFile(id)).data).toMatchObject({ version: 1, content: text });
    const next = `${text}!`;
    expect((await modify(id, 1, text, next)).errors).toEqual([]);
    expect(await item(id, 'HEAD')).not.toHaveProperty('content');
    expect(await item(id, 'BODY')).toMatchObject({ version: 2, content: next, sha256: sha(next) });
    expect((await getFile(id)).data).toMatchObject({ version: 2, content: next });
  });

  it('a tail with a hole is LogTruncated for getFile and modifyFile, and nothing is committed', async () => {
    let text = 'a';
    const id = await insert(text);
    // More edits than the head's recent patches keep, so the commit too must read the tail.
    const edits = RECENT_PATCHES + 4;
    for (let v = 1; v <= edits; v += 1) {
      expect((await modify(id, v, text, `${text}${v}`)).errors).toEqual([]);
      text = `${text}${v}`;
    }
    await h.dynamo.client.send(new DeleteItemCommand({ TableName: 'files', Key: marshall({ pk: `FILE#${id}`, sk: 'V#0000000003' }) }));
    const headVersion = edits + 1;
    const read = await getFile(id);
    expect(read.errors[0]).toMatchObject({ errorType: 'LogTruncated', errorInfo: { fileId: id, headVersion } });
    const write = await modify(id, headVersion, text, `${text}!`);
    expect(write.errors[0]).toMatchObject({ errorType: 'LogTruncated', errorInfo: { fileId: id, headVersion } });
    expect(await item(id, 'HEAD')).toMatchObject({ version: headVersion });
    expect(await item(id, `V#00000000${headVersion + 1}`)).toBeUndefined();
  });

  it("whole content rewrites the body at once; a delete removes it with the head's content", async () => {
    const id = await insert('one');
    expect((await modify(id, 1, 'one', 'one two')).errors).toEqual([]);
    expect(await item(id, 'BODY')).toMatchObject({ version: 1 });
    const whole = await h.run('Mutation.modifyFile', A, { input: { id, baseVersion: 2, content: 'three', sha256: sha('three'), requestId: randomUUID() } });
    expect(whole.errors).toEqual([]);
    expect(await item(id, 'BODY')).toMatchObject({ version: 3, content: 'three', sha256: sha('three') });
    const del = await h.run('Mutation.deleteFile', A, { input: { id, requestId: randomUUID() } });
    expect(del.errors).toEqual([]);
    expect(await item(id, 'BODY')).toBeUndefined();
    expect((await getFile(id)).data).toMatchObject({ deleted: true, content: null });
  });
});
