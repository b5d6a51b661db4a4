/**
 * Content in S3 through the API, against the real runtime and its local S3: presigned uploads named
 * by insertFile/modifyFile, presigned downloads from getFile and getFileChanges, and every way an
 * upload can be wrong refused with nothing stored or committed. The content Lambda's read-back
 * limit (CONTENT_WHOLE_HASH_MAX, 128 MiB in AWS) is 16 MiB here, so a 20 MB multipart upload takes
 * the declared path (parts bound and checked, whole SHA-256 declared) and a 6 MB one the read-back.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { api } from '../../infra/api.ts';
import type { ApiDefinition } from '../../infra/wiring/types.ts';
import { download as sdkDownload } from '../../client/sdk/transfer.ts';
import { createApi, createSession, fromAmplifyConfig } from '../../client/sdk/index.ts';
import { openFile } from '../../client/sync/index.ts';
import { MAX_UPLOAD_BYTES } from '../../resolvers/lib/limits.ts';
import { PASSWORD, startStack, type TestStack } from './harness.ts';
import { user, type SyncUser } from './sync-client.ts';
import {
  ABORT_UPLOAD,
  CHANGES,
  COMPLETE_UPLOAD,
  CREATE_UPLOAD,
  createUpload,
  download,
  GET,
  b64sha,
  hex,
  INSERT,
  partHashes,
  MODIFY,
  newId,
  send,
  uploadBytes,
  uploadParts,
  uploadStored,
} from './content-client.ts';

let stack: TestStack;
let alice: SyncUser;
let bob: SyncUser;

const READ_BACK_MAX = 16 * 1024 * 1024;
/** The real wiring, with the content Lambda's read-back limit lowered as its environment allows. */
function withReadBackMax(def: ApiDefinition, max: number): ApiDefinition {
  const content = def.dataSources.content!;
  if (content.kind !== 'LAMBDA') throw new Error('the content data source is a Lambda');
  return { ...def, dataSources: { ...def.dataSources, content: { ...content, environment: { ...content.environment, CONTENT_WHOLE_HASH_MAX: String(max) } } } };
}

beforeAll(async () => {
  stack = await startStack(withReadBackMax(api, READ_BACK_MAX));
  alice = user(stack.runtime.graphqlUrl, await stack.tokenFor('alice@example.com'));
  bob = user(stack.runtime.graphqlUrl, await stack.tokenFor('bob@example.com'));
});
afterAll(async () => {
  await stack?.stop();
});
afterEach(() => {
  vi.useRealTimers();
});

const TEXT = 'text/markdown; charset=utf-8';
const note = (n: number) => Buffer.from(`# big note ${n}\n${'lorem ipsum dolor sit amet é 😀\n'.repeat(2000)}`, 'utf8');
const textLength = (b: Buffer) => b.toString('utf8').length;

type Body = Awaited<ReturnType<SyncUser['call']>>;
const errorOf = (b: Body) => ({ errorType: b.errors?.[0]?.errorType, errorInfo: b.errors?.[0]?.errorInfo as Record<string, unknown> | undefined });

async function insertUpload(u: SyncUser, id: string, uploadId: string, bytes: Buffer, extra: Record<string, unknown> = {}) {
  return u.call(INSERT, {
    input: { id, name: 'big.md', contentType: TEXT, upload: { uploadId, length: textLength(bytes) }, sha256: hex(bytes), requestId: newId(), ...extra },
  });
}

/** Nothing committed: the id chosen for the insert names no file. */
async function expectNoFile(id: string) {
  expect(errorOf(await alice.call(GET, { id })).errorType).toBe('NotFound');
}

describe('uploads named by insertFile and modifyFile', () => {
  it('insert from a presigned PUT: getFile and getFileChanges hand out working presigned GETs', async () => {
    const bytes = note(1);
    expect(bytes.length).toBeGreaterThan(32768);
    const uploadId = await uploadBytes(alice, bytes, TEXT);
    const id = newId();
    const inserted = await insertUpload(alice, id, uploadId, bytes);
    expect(inserted.errors).toBeUndefined();
    expect(inserted.data!.insertFile).toMatchObject({ op: 'INSERT', version: 1, content: null, size: bytes.length, length: textLength(bytes), sha256: hex(bytes) });

    const file = (await alice.call(GET, { id })).data!.getFile as { content: string | null; contentUrl: string; size: number; version: number };
    expect(file).toMatchObject({ content: null, size: bytes.length, version: 1 });
    expect((await download(file.contentUrl)).equals(bytes)).toBe(true);

    const changes = (await alice.call(CHANGES, { fileId: id, sinceVersion: 0 })).data!.getFileChanges as { items: Array<{ contentUrl: string }> };
    expect((await download(changes.items[0]!.contentUrl)).equals(bytes)).toBe(true);
  });

  it('modify from an upload, then back to inline content; a patch of S3-held content states its size and covers the recorded length', async () => {
    const first = note(2);
    const id = newId();
    expect((await insertUpload(alice, id, await uploadBytes(alice, first, TEXT), first)).errors).toBeUndefined();

    const second = note(3);
    const patchRefused = await alice.call(MODIFY, { input: { id, baseVersion: 1, patch: JSON.stringify({ v: 1, t: 'text', ops: [textLength(first)] }), sha256: hex(first), requestId: newId() } });
    expect(errorOf(patchRefused)).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'size' } });
    const uncovered = await alice.call(MODIFY, {
      input: { id, baseVersion: 1, patch: JSON.stringify({ v: 1, t: 'text', ops: [textLength(first) - 1] }), sha256: hex(first), size: first.length, requestId: newId() },
    });
    expect(errorOf(uncovered)).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'patch' } });

    const modified = await alice.call(MODIFY, {
      input: { id, baseVersion: 1, upload: { uploadId: await uploadBytes(alice, second, TEXT), length: textLength(second) }, sha256: hex(second), requestId: newId() },
    });
    expect(modified.errors).toBeUndefined();
    const change = modified.data!.modifyFile as { version: number; contentUrl: string; content: string | null; patch: string | null };
    expect(change).toMatchObject({ version: 2, content: null, patch: null });
    expect((await download(change.contentUrl)).equals(second)).toBe(true);
    const file = (await alice.call(GET, { id })).data!.getFile as { contentUrl: string };
    expect((await download(file.contentUrl)).equals(second)).toBe(true);

    const inline = await alice.call(MODIFY, { input: { id, baseVersion: 2, content: 'small again', sha256: hex('small again'), requestId: newId() } });
    expect(inline.errors).toBeUndefined();
    expect((await alice.call(GET, { id })).data!.getFile).toMatchObject({ version: 3, content: 'small again', contentUrl: null, size: 11 });
  });

  it('a TEXT upload declares a length that fits its bytes; content and upload are exclusive', async () => {
    const bytes = note(4);
    const uploadId = await uploadBytes(alice, bytes, TEXT);
    const id = newId();
    expect(errorOf(await insertUpload(alice, id, uploadId, bytes, { upload: { uploadId } }))).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'upload.length' } });
    expect(errorOf(await insertUpload(alice, id, uploadId, bytes, { upload: { uploadId, length: bytes.length + 1 } }))).toMatchObject({ errorInfo: { field: 'upload.length' } });
    expect(errorOf(await insertUpload(alice, id, uploadId, bytes, { content: 'x' }))).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'content' } });
    await expectNoFile(id);
  });
});

describe('refused uploads: nothing stored, nothing committed', () => {
  const bytes = note(5);
  const fresh = () => createUpload(alice, { size: bytes.length, sha256: hex(bytes), contentType: TEXT });

  it.each([
    ['a wrong checksum (other bytes of the same size)', (p: Parameters<typeof send>[0]) => send(p, Buffer.from(bytes).fill(65, 0, 1)), 400],
    ['a wrong size', (p: Parameters<typeof send>[0]) => send(p, bytes.subarray(1)), 403],
    ['a wrong content type', (p: Parameters<typeof send>[0]) => send(p, bytes, { 'content-type': 'text/html' }), 403],
    [
      'a tampered signature',
      (p: Parameters<typeof send>[0]) =>
        send(
          p,
          bytes,
          {},
          p.url.replace(/X-Amz-Signature=(.)/, (_, c: string) => `X-Amz-Signature=${c === 'a' ? 'b' : 'a'}`),
        ),
      403,
    ],
  ] as const)('%s', async (_, put, status) => {
    const s = await fresh();
    expect((await put(s.put!)).status).toBe(status);
    expect(await uploadStored(stack.runtime, alice.sub, s.uploadId)).toBe(false);
    const id = newId();
    expect(errorOf(await insertUpload(alice, id, s.uploadId, bytes))).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'uploadId' } });
    await expectNoFile(id);
  });

  it('an expired URL', async () => {
    const s = await fresh();
    // Only Date moves: the local S3 (in this process) judges expiry by the clock.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 16 * 60 * 1000);
    const res = await send(s.put!, bytes);
    vi.useRealTimers();
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Request has expired');
    expect(await uploadStored(stack.runtime, alice.sub, s.uploadId)).toBe(false);
    const id = newId();
    expect(errorOf(await insertUpload(alice, id, s.uploadId, bytes)).errorType).toBe('InvalidInput');
    await expectNoFile(id);
  });

  it("another user's upload reference, on insert and on modify", async () => {
    const uploadId = await uploadBytes(alice, bytes, TEXT);
    const id = newId();
    expect(errorOf(await insertUpload(bob, id, uploadId, bytes))).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'uploadId' } });
    await expectNoFile(id);

    const own = newId();
    expect((await bob.call(INSERT, { input: { id: own, name: 'b.txt', contentType: TEXT, content: 'bob', sha256: hex('bob') } })).errors).toBeUndefined();
    const stolen = await bob.call(MODIFY, { input: { id: own, baseVersion: 1, upload: { uploadId, length: textLength(bytes) }, sha256: hex(bytes), requestId: newId() } });
    expect(errorOf(stolen)).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'uploadId' } });
    expect((await bob.call(GET, { id: own })).data!.getFile).toMatchObject({ version: 1, content: 'bob', contentUrl: null });
  });

  it('a commit claiming another checksum or content type than the upload holds', async () => {
    const uploadId = await uploadBytes(alice, bytes, TEXT);
    const id = newId();
    expect(errorOf(await insertUpload(alice, id, uploadId, bytes, { sha256: hex('other') }))).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'sha256' } });
    expect(errorOf(await insertUpload(alice, id, uploadId, bytes, { contentType: 'text/plain' }))).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'contentType' } });
    await expectNoFile(id);

    // modifyFile: an upload of another type than the file's (no contentType in the change), or a wrong sha256.
    const own = newId();
    expect((await alice.call(INSERT, { input: { id: own, name: 'm.md', contentType: TEXT, content: 'small', sha256: hex('small') } })).errors).toBeUndefined();
    const plain = await uploadBytes(alice, bytes, 'text/plain');
    const modifyWith = (ref: string, extra: Record<string, unknown> = {}) =>
      alice.call(MODIFY, { input: { id: own, baseVersion: 1, upload: { uploadId: ref, length: textLength(bytes) }, sha256: hex(bytes), requestId: newId(), ...extra } });
    expect(errorOf(await modifyWith(plain))).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'contentType' } });
    expect(errorOf(await modifyWith(uploadId, { sha256: hex('other') }))).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'sha256' } });
    expect((await alice.call(GET, { id: own })).data!.getFile).toMatchObject({ version: 1, content: 'small', contentUrl: null });
  });
});

describe('upload sessions: refused declarations and references', () => {
  it('createUpload names the bad field (InvalidInput) or the limit (TooLarge); abortUpload and completeUpload refuse what is not an upload in progress', async () => {
    const ok = { size: 10, sha256: hex('0123456789'), contentType: 'text/plain' };
    const refused = async (over: Record<string, unknown>) => {
      const body = await alice.call(CREATE_UPLOAD, { input: { ...ok, ...over } });
      expect(body.data?.createUpload ?? null).toBeNull();
      return errorOf(body);
    };
    expect(await refused({ size: -1 })).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'size' } });
    expect(await refused({ size: 1.5 })).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'size' } });
    expect(await refused({ sha256: 'ABC' })).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'sha256' } });
    expect(await refused({ contentType: 'not a type' })).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'contentType' } });
    expect(await refused({ size: 0, multipart: true })).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'size' } });
    // The product limit (resolvers/lib/limits.ts MAX_UPLOAD_BYTES; quotas: upload-quota.test.ts), well under S3's 5 TiB.
    const tooBig = MAX_UPLOAD_BYTES + 1;
    expect(await refused({ size: tooBig })).toEqual({ errorType: 'TooLarge', errorInfo: { field: 'size', limit: MAX_UPLOAD_BYTES, actual: tooBig } });

    expect(errorOf(await alice.call(ABORT_UPLOAD, { uploadId: '../../etc/passwd' }))).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'uploadId' } });
    const single = await createUpload(alice, ok);
    expect(errorOf(await alice.call(COMPLETE_UPLOAD, { uploadId: single.uploadId }))).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'uploadId' } });
    expect((await alice.call(ABORT_UPLOAD, { uploadId: single.uploadId })).data).toEqual({ abortUpload: false });
    expect(await uploadStored(stack.runtime, alice.sub, single.uploadId)).toBe(false);
  });
});

describe('multipart', () => {
  const BIN = 'application/octet-stream';
  /** A session on the declared path: above READ_BACK_MAX, every part's SHA-256 declared. */
  const declaredSession = (bytes: Buffer, sha256 = hex(bytes)) => createUpload(alice, { size: bytes.length, sha256, contentType: BIN, multipart: true, partSha256: partHashes(bytes) });
  const insertBlob = (u: SyncUser, id: string, uploadId: string, sha256: string) =>
    u.call(INSERT, { input: { id, name: 'blob.bin', contentType: BIN, encoding: 'BASE64', upload: { uploadId }, sha256, requestId: newId() } });

  it('20 MB round-trips byte-exact through the API (declared path: each part SHA-256 bound into its URL)', async () => {
    const bytes = randomBytes(20 * 1024 * 1024);
    expect(bytes.length).toBeGreaterThan(READ_BACK_MAX);
    const s = await declaredSession(bytes);
    expect(s.put).toBeNull();
    expect(s.parts!.length).toBe(3);
    // The part's checksum is one of the headers the URL was signed with.
    expect(s.parts![0]!.request.headers).toEqual([{ name: 'x-amz-checksum-sha256', value: b64sha(bytes.subarray(0, s.partSize!)) }]);
    const done = await uploadParts(alice, s, bytes);
    expect(done.errors).toBeUndefined();
    const id = newId();
    const inserted = await alice.call(INSERT, {
      input: { id, name: 'blob.bin', contentType: 'application/octet-stream', encoding: 'BASE64', upload: { uploadId: done.uploadId }, sha256: hex(bytes), requestId: newId() },
    });
    expect(inserted.errors).toBeUndefined();
    const file = (await alice.call(GET, { id })).data!.getFile as { contentUrl: string; size: number; length: number; sha256: string };
    expect(file).toMatchObject({ size: bytes.length, length: bytes.length, sha256: hex(bytes) });
    expect((await download(file.contentUrl)).equals(bytes)).toBe(true);
    // What every reader does: the client SDK's download checks the SHA-256 the file names.
    expect(Buffer.from(await sdkDownload(file.contentUrl, { sha256: file.sha256 })).equals(bytes)).toBe(true);
  });

  it('above the read-back limit a session must declare every part (InvalidInput partSha256)', async () => {
    const bytes = randomBytes(READ_BACK_MAX + 1);
    const refused = async (input: Record<string, unknown>) => errorOf(await alice.call(CREATE_UPLOAD, { input: { size: bytes.length, sha256: hex(bytes), contentType: BIN, ...input } }));
    expect(await refused({ multipart: true })).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'partSha256' } });
    expect(await refused({ multipart: true, partSha256: partHashes(bytes).slice(1) })).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'partSha256' } });
    expect(await refused({ multipart: true, partSize: 1024, partSha256: partHashes(bytes, 1024) })).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'partSize' } });
  });

  it('a part with other bytes, or another checksum than its URL binds, is refused by S3: nothing stored or committed', async () => {
    const bytes = randomBytes(20 * 1024 * 1024);
    const s = await declaredSession(bytes);
    const first = bytes.subarray(0, s.partSize!);
    const other = Buffer.from(first);
    other[0] = first[0]! ^ 0xff; // other bytes for sure (setting it to 0 left random data unchanged 1 time in 256)
    const bad = await send(s.parts![0]!.request, other);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('BadDigest');
    expect((await send(s.parts![0]!.request, other, { 'x-amz-checksum-sha256': b64sha(other) })).status).toBe(403);
    for (const p of s.parts!.slice(1)) {
      const at = (p.partNumber - 1) * s.partSize!;
      expect((await send(p.request, bytes.subarray(at, at + p.size))).status).toBe(200);
    }
    expect(errorOf(await alice.call(COMPLETE_UPLOAD, { uploadId: s.uploadId }))).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'uploadId' } });
    expect(await uploadStored(stack.runtime, alice.sub, s.uploadId)).toBe(false);
    const id = newId();
    expect(errorOf(await insertBlob(alice, id, s.uploadId, hex(bytes)))).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'uploadId' } });
    await expectNoFile(id);
  });

  it('a wrong declared SHA-256 over right parts (declared path) is committed as declared; every reader finds the mismatch (IntegrityError)', async () => {
    const bytes = randomBytes(20 * 1024 * 1024);
    const declared = hex(Buffer.from('not these bytes'));
    const s = await declaredSession(bytes, declared);
    const done = await uploadParts(alice, s, bytes);
    expect(done.errors).toBeUndefined();
    const id = newId();
    expect(errorOf(await insertBlob(alice, id, done.uploadId!, hex(bytes)))).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'sha256' } });
    expect((await insertBlob(alice, id, done.uploadId!, declared)).errors).toBeUndefined();
    const file = (await alice.call(GET, { id })).data!.getFile as { contentUrl: string; sha256: string; size: number };
    expect(file).toMatchObject({ sha256: declared, size: bytes.length });
    // The bytes are exactly the parts; they are not what the writer declared, and a reader's check says so.
    expect((await download(file.contentUrl)).equals(bytes)).toBe(true);
    await expect(sdkDownload(file.contentUrl, { sha256: file.sha256 })).rejects.toMatchObject({ name: 'IntegrityError', errorType: 'Integrity' });
    // The sync engine (client/sync) opening the file downloads it the same way and refuses it.
    const session = createSession(fromAmplifyConfig(stack.runtime.amplifyConfig));
    await session.signIn('alice@example.com', PASSWORD);
    await expect(openFile(createApi(session), id, { live: false })).rejects.toMatchObject({ name: 'IntegrityError', errorType: 'Integrity' });
  });

  it('(read-back path) parts that do not add up to the declared SHA-256 are discarded at completeUpload', async () => {
    const bytes = randomBytes(6 * 1024 * 1024);
    const s = await createUpload(alice, { size: bytes.length, sha256: hex(Buffer.from('something else')), contentType: 'application/octet-stream', multipart: true });
    expect(bytes.length).toBeLessThanOrEqual(READ_BACK_MAX);
    const done = await uploadParts(alice, s, bytes);
    expect(done.errors).toMatchObject([{ errorType: 'InvalidInput', errorInfo: { field: 'sha256' } }]);
    expect(await uploadStored(stack.runtime, alice.sub, s.uploadId)).toBe(false);
  });

  it("an unfinished or aborted upload cannot be committed; completeUpload is the owner's alone", async () => {
    const bytes = randomBytes(6 * 1024 * 1024);
    const s = await createUpload(alice, { size: bytes.length, sha256: hex(bytes), contentType: 'application/octet-stream', multipart: true });
    const id = newId();
    const commit = () => alice.call(INSERT, { input: { id, name: 'x.bin', contentType: 'application/octet-stream', encoding: 'BASE64', upload: { uploadId: s.uploadId }, sha256: hex(bytes) } });
    expect(errorOf(await commit())).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'uploadId' } });
    expect(errorOf(await bob.call(COMPLETE_UPLOAD, { uploadId: s.uploadId }))).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'uploadId' } });
    expect((await alice.call(ABORT_UPLOAD, { uploadId: s.uploadId })).data).toEqual({ abortUpload: true });
    expect(errorOf(await alice.call(COMPLETE_UPLOAD, { uploadId: s.uploadId })).errorType).toBe('InvalidInput');
    expect(errorOf(await commit()).errorType).toBe('InvalidInput');
    await expectNoFile(id);
  });
});
