/**
 * The runtime on a data directory (not in memory): what it writes survives a restart — notes in
 * DynamoDB Local, dev users of the issuer, the API key — and a second runtime on the same
 * directory is refused while the first runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { notesApi } from '../../test/fixtures/notes-api/api.ts';
import { gql, PASSWORD } from '../../test/e2e/harness.ts';
import { startRuntime, type Runtime } from './runtime.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'craft-sync-persist-'));
const start = () => startRuntime({ api: notesApi, dataDir, port: 0, tlsDir: process.env.CRAFT_SYNC_TEST_TLS_DIR, log: () => {} });
let running: Runtime | undefined;

afterAll(async () => {
  await running?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a runtime on a data directory', () => {
  it('keeps notes, dev users and the API key across a restart', async () => {
    running = await start();
    await running.cognito!.createUser({ email: 'keeper@example.com', password: PASSWORD, groups: [] });
    const token = (await running.cognito!.signIn('keeper@example.com', PASSWORD)).accessToken;
    const add = await gql(running.graphqlUrl, `mutation { addNote(input: { board: "kept", title: "survives" }) { id } }`, {}, { authorization: token });
    const id = (add.body.data!.addNote as { id: string }).id;
    const apiKey = running.apiKey;
    await running.stop();
    running = undefined;

    running = await start();
    expect(running.apiKey).toBe(apiKey);
    const again = (await running.cognito!.signIn('keeper@example.com', PASSWORD)).accessToken;
    const get = await gql(running.graphqlUrl, `query($id: ID!) { getNote(id: $id) { title } }`, { id }, { authorization: again });
    expect(get.body).toEqual({ data: { getNote: { title: 'survives' } } });
    const viaKey = await gql(running.graphqlUrl, `{ echo(text: "key kept") }`, {}, { 'x-api-key': apiKey! });
    expect(viaKey.body).toEqual({ data: { echo: 'key kept' } });
  }, 120_000);

  it('refuses a second runtime on the same directory while the first runs', async () => {
    expect(running).toBeDefined();
    const err = await start().then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/is in use by DynamoDB Local \(pid \d+\) of running process \d+/);
    // The first is unaffected.
    const res = await gql(running!.graphqlUrl, `{ echo(text: "first still up") }`, {}, { 'x-api-key': running!.apiKey! });
    expect(res.body).toEqual({ data: { echo: 'first still up' } });
  }, 60_000);
});
