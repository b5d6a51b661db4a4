/**
 * Abuse limits at createUpload, against the real runtime: the product limit on one object and the
 * per-user storage quota (resolvers/lib/quota.ts), set per deploy through the API's environment,
 * here small. A session reserves its bytes until a commit names it (then they stay counted) or
 * until its commit window lapses.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../infra/api.ts';
import type { ApiDefinition } from '../../infra/wiring/types.ts';
import { startStack, type TestStack } from './harness.ts';
import { user, type SyncUser } from './sync-client.ts';
import { ABORT_UPLOAD, CREATE_UPLOAD, createUpload, download, GET, hex, INSERT, newId, send, uploadStored } from './content-client.ts';
import { UPLOAD_COMMIT_DAYS } from '../../resolvers/lib/limits.ts';

const MAX = 4096;
const QUOTA = 10_000;
const BIN = 'application/octet-stream';

let stack: TestStack;
let alice: SyncUser;
let bob: SyncUser;

const withLimits = (def: ApiDefinition): ApiDefinition => ({ ...def, environment: { ...def.environment, MAX_UPLOAD_BYTES: String(MAX), USER_QUOTA_BYTES: String(QUOTA) } });

beforeAll(async () => {
  stack = await startStack(withLimits(api));
  alice = user(stack.runtime.graphqlUrl, await stack.tokenFor('alice@example.com'));
  bob = user(stack.runtime.graphqlUrl, await stack.tokenFor('bob@example.com'));
});
afterAll(async () => {
  await stack?.stop();
});

type Body = Awaited<ReturnType<SyncUser['call']>>;
const errorOf = (b: Body) => ({ errorType: b.errors?.[0]?.errorType, errorInfo: b.errors?.[0]?.errorInfo as Record<string, unknown> | undefined });
const declare = (bytes: Buffer) => ({ size: bytes.length, sha256: hex(bytes), contentType: BIN });
const ask = (u: SyncUser, size: number) => u.call(CREATE_UPLOAD, { input: { size, sha256: hex(randomBytes(8)), contentType: BIN } });
const insertBlob = (u: SyncUser, uploadId: string, bytes: Buffer) =>
  u.call(INSERT, { input: { id: newId(), name: 'blob.bin', contentType: BIN, encoding: 'BASE64', upload: { uploadId }, sha256: hex(bytes), requestId: newId() } });

/** A session for `bytes`, PUT, and committed by an insert; returns the file id. */
async function committed(u: SyncUser, bytes: Buffer): Promise<string> {
  const s = await createUpload(u, declare(bytes));
  expect((await send(s.put!, bytes)).status).toBe(200);
  const body = await insertBlob(u, s.uploadId, bytes);
  expect(body.errors).toBeUndefined();
  return (body.data!.insertFile as { fileId: string }).fileId;
}

describe('upload limits at createUpload', () => {
  it('an object over the product limit is TooLarge with the limit, before anything is signed or reserved', async () => {
    const body = await ask(alice, MAX + 1);
    expect(body.data?.createUpload ?? null).toBeNull();
    expect(errorOf(body)).toEqual({ errorType: 'TooLarge', errorInfo: { field: 'size', limit: MAX, actual: MAX + 1 } });
    // Nothing was held against the quota: a session at the limit still fits twice over.
    expect((await ask(alice, MAX)).errors).toBeUndefined();
    expect((await ask(alice, MAX)).errors).toBeUndefined();
  });

  it('a user over quota gets TooLarge with the limit and their usage in errorInfo; committed bytes stay counted; another user is not affected', async () => {
    // From the test above: two open sessions of MAX (8192 of 10,000).
    const body = await ask(alice, 2000);
    expect(body.data?.createUpload ?? null).toBeNull();
    expect(errorOf(body)).toEqual({ errorType: 'TooLarge', errorInfo: { field: 'quota', limit: QUOTA, used: 2 * MAX, actual: 2000 } });
    expect((await ask(alice, QUOTA - 2 * MAX)).errors).toBeUndefined();
    expect(errorOf(await ask(alice, 1))).toMatchObject({ errorType: 'TooLarge', errorInfo: { field: 'quota', limit: QUOTA, used: QUOTA, actual: 1 } });

    const bytes = randomBytes(3000);
    const fileId = await committed(bob, bytes);
    expect((await bob.call(GET, { id: fileId })).data!.getFile).toMatchObject({ size: 3000 });
    expect((await ask(bob, 4000)).errors).toBeUndefined();
    expect(errorOf(await ask(bob, 3001))).toEqual({ errorType: 'TooLarge', errorInfo: { field: 'quota', limit: QUOTA, used: 7000, actual: 3001 } });
  });

  it('two sessions racing for the last of the quota: exactly one is signed, the other is TooLarge', async () => {
    const carol = user(stack.runtime.graphqlUrl, await stack.tokenFor('carol@example.com'));
    expect((await ask(carol, 4000)).errors).toBeUndefined();
    const both = await Promise.all([ask(carol, 4000), ask(carol, 4000)]);
    expect(both.filter((b) => b.data?.createUpload).length).toBe(1);
    const refused = both.find((b) => !b.data?.createUpload)!;
    expect(errorOf(refused)).toEqual({ errorType: 'TooLarge', errorInfo: { field: 'quota', limit: QUOTA, used: 8000, actual: 4000 } });
  });

  it('open sessions lapse after the commit window: their bytes come back, a lapsed session cannot be committed, committed bytes stay', async () => {
    // A deploy with a 10-second window (the resolvers' clock is the runtime's own, so the test waits it out; long
    // enough for an insert on a loaded machine).
    const WINDOW = 10;
    const short = await startStack({ ...withLimits(api), environment: { ...withLimits(api).environment, UPLOAD_COMMIT_SECONDS: String(WINDOW) } });
    try {
      const dave = user(short.runtime.graphqlUrl, await short.tokenFor('dave@example.com'));
      await committed(dave, randomBytes(4000));
      const late = randomBytes(4000);
      const open = await createUpload(dave, declare(late));
      expect((await send(open.put!, late)).status).toBe(200);
      expect(errorOf(await ask(dave, 2001))).toMatchObject({ errorType: 'TooLarge', errorInfo: { used: 8000 } });

      await new Promise((r) => setTimeout(r, (WINDOW + 1) * 1000));
      expect(errorOf(await insertBlob(dave, open.uploadId, late))).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'uploadId' } });
      // Of 8000, the committed 4000 remain.
      expect((await ask(dave, 4000)).errors).toBeUndefined();
      expect(errorOf(await ask(dave, 2001))).toEqual({ errorType: 'TooLarge', errorInfo: { field: 'quota', limit: QUOTA, used: 8000, actual: 2001 } });
    } finally {
      await short.stop();
    }
  });
});

describe('abortUpload', () => {
  it("gives the session's reserved bytes back; the aborted upload can no longer be committed", async () => {
    const frank = user(stack.runtime.graphqlUrl, await stack.tokenFor('frank@example.com'));
    const bytes = randomBytes(4000);
    const first = await createUpload(frank, declare(bytes));
    expect((await send(first.put!, bytes)).status).toBe(200);
    expect((await ask(frank, 4000)).errors).toBeUndefined();
    expect(errorOf(await ask(frank, 2001))).toMatchObject({ errorType: 'TooLarge', errorInfo: { used: 8000 } });
    // A single PUT has nothing to abort in S3 (false), but its reservation goes.
    expect((await frank.call(ABORT_UPLOAD, { uploadId: first.uploadId })).data).toEqual({ abortUpload: false });
    expect((await ask(frank, 2001)).errors).toBeUndefined();
    expect(errorOf(await insertBlob(frank, first.uploadId, bytes))).toMatchObject({ errorType: 'InvalidInput', errorInfo: { field: 'uploadId' } });
    // Aborting again, or someone else's id, gives nothing more back.
    expect((await frank.call(ABORT_UPLOAD, { uploadId: first.uploadId })).data).toEqual({ abortUpload: false });
    expect(errorOf(await ask(frank, QUOTA - 6001 + 1))).toMatchObject({ errorType: 'TooLarge', errorInfo: { used: 6001 } });
  });
});

describe('uncommitted uploads expire (the bucket rule expire-uncommitted-uploads, swept as S3 would)', () => {
  const DAY = 24 * 3600 * 1000;

  it('an upload never committed is gone after the expiry, a committed one stays; the pending tag is bound into the PUT', async () => {
    const erin = user(stack.runtime.graphqlUrl, await stack.tokenFor('erin@example.com'));
    const kept = randomBytes(1500);
    const fileId = await committed(erin, kept);
    const abandoned = randomBytes(1500);
    const open = await createUpload(erin, declare(abandoned));
    expect(open.put!.headers).toContainEqual({ name: 'x-amz-tagging', value: 'upload=pending' });
    // Without the tag the signature does not hold: an upload cannot opt out of expiring.
    const untagged = { ...open.put!, headers: open.put!.headers.filter((h) => h.name !== 'x-amz-tagging') };
    expect((await send(untagged, abandoned)).status).toBe(403);
    expect((await send(open.put!, abandoned)).status).toBe(200);
    expect(await uploadStored(stack.runtime, erin.sub, open.uploadId)).toBe(true);

    const now = Date.now();
    expect(await stack.runtime.sweepExpiredObjects(now + (UPLOAD_COMMIT_DAYS * DAY) / 2)).toBe(0);
    expect(await uploadStored(stack.runtime, erin.sub, open.uploadId)).toBe(true);
    expect(await stack.runtime.sweepExpiredObjects(now + UPLOAD_COMMIT_DAYS * DAY + 60_000)).toBeGreaterThanOrEqual(1);
    expect(await uploadStored(stack.runtime, erin.sub, open.uploadId)).toBe(false);
    const file = (await erin.call(GET, { id: fileId })).data!.getFile as { contentUrl: string };
    expect(hex(await download(file.contentUrl))).toBe(hex(kept));
    // A second sweep finds nothing more.
    expect(await stack.runtime.sweepExpiredObjects(now + UPLOAD_COMMIT_DAYS * DAY + 60_000)).toBe(0);
  });
});
