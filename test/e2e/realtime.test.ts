/**
 * The AppSync real-time protocol, message by message, with a raw WebSocket client over wss:// on
 * the same port as HTTP (the CA is trusted through NODE_EXTRA_CA_CERTS, as a user would).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { SignJWT, decodeJwt, importJWK, type JWK } from 'jose';
import { notesApi } from '../fixtures/notes-api/api.ts';
import { gql, startStack, type TestStack } from './harness.ts';
import { RawClient } from '../../infra/local/realtime/testing/raw-client.ts';

let stack: TestStack;
let alice: string;
let host: string;
const clients: RawClient[] = [];

const ON_NOTE = `subscription($board: String!) { onNote(board: $board) { id board title } }`;
const wsAuth = (token: string) => ({ Authorization: token, host });

async function connect(token = alice): Promise<RawClient> {
  const c = await RawClient.open(stack.runtime.realtimeUrl, { auth: wsAuth(token) });
  clients.push(c);
  return c;
}

async function addNote(board: string, title: string, select = 'id board title') {
  const res = await gql(stack.runtime.graphqlUrl, `mutation($input: NoteInput!) { addNote(input: $input) { ${select} } }`, { input: { board, title } }, { authorization: alice });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.addNote as Record<string, unknown>;
}

async function countNotes(): Promise<number> {
  const out = await stack.runtime.dynamodb.client.send(new ScanCommand({ TableName: stack.runtime.tableName('notes'), Select: 'COUNT' }));
  return out.Count ?? 0;
}

/** An access token of the runtime's own issuer, signed with its real key, that expired an hour ago. */
async function expiredToken(): Promise<string> {
  const jwk = JSON.parse(readFileSync(join(stack.runtime.dataDir, 'cognito', 'signing-key.json'), 'utf8')) as JWK;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...decodeJwt(alice), iat: now - 7200, exp: now - 3600 }).setProtectedHeader({ alg: 'RS256', kid: jwk.kid! }).sign(await importJWK(jwk, 'RS256'));
}

beforeAll(async () => {
  stack = await startStack(notesApi, { keepAliveIntervalMs: 500 });
  host = new URL(stack.runtime.graphqlUrl).host;
  alice = await stack.tokenFor('alice@example.com');
});

afterAll(async () => {
  for (const c of clients) c.close();
  await stack?.stop();
});

describe('handshake', () => {
  it('acks connection_init with connectionTimeoutMs and sends ka right away and then periodically', async () => {
    const c = await connect();
    expect(c.ws.protocol).toBe('graphql-ws');
    const ack = await c.init();
    expect(ack).toMatchObject({ type: 'connection_ack', payload: { connectionTimeoutMs: 300000 } });
    const ackAt = c.frames.indexOf(ack);
    await c.next((m) => m.type === 'ka', ackAt);
    const firstKa = c.frames.findIndex((m, i) => i > ackAt && m.type === 'ka');
    await c.next((m) => m.type === 'ka', firstKa + 1);
  });

  it('accepts the legacy ?header=&payload= query-string handshake', async () => {
    const header = Buffer.from(JSON.stringify(wsAuth(alice))).toString('base64');
    const c = await RawClient.open(stack.runtime.realtimeUrl, { query: `?header=${encodeURIComponent(header)}&payload=e30=`, protocols: ['graphql-ws'] });
    clients.push(c);
    expect((await c.init()).type).toBe('connection_ack');
  });

  it('refuses a handshake with a bad token with connection_error UnauthorizedException', async () => {
    const c = await RawClient.open(stack.runtime.realtimeUrl, { auth: wsAuth('bad.token.here') });
    clients.push(c);
    const err = await c.init();
    expect(err.type).toBe('connection_error');
    expect(JSON.stringify(err.payload)).toContain('UnauthorizedException');
  });
});

describe('subscriptions', () => {
  it('start → start_ack → data for a matching mutation → stop → complete', async () => {
    const c = await connect();
    await c.init();
    const ack = await c.start('s1', ON_NOTE, { board: 'rt' }, wsAuth(alice));
    expect(ack.type).toBe('start_ack');
    const note = await addNote('rt', 'pushed');
    const data = await c.next((m) => m.id === 's1' && m.type === 'data');
    expect(data.payload).toEqual({ data: { onNote: { id: note.id, board: 'rt', title: 'pushed' } } });
    const from = c.frames.length;
    c.send({ id: 's1', type: 'stop' });
    await c.next((m) => m.id === 's1' && m.type === 'complete', from);
    await addNote('rt', 'after stop');
    await addNote('other', 'marker');
    expect(c.dataFrames('s1')).toHaveLength(1);
  });

  it('filters on subscription arguments: another board is not delivered', async () => {
    const c = await connect();
    await c.init();
    await c.start('a', ON_NOTE, { board: 'only-this' }, wsAuth(alice));
    await c.start('b', ON_NOTE, { board: 'other-board' }, wsAuth(alice));
    await addNote('other-board', 'not for a');
    await c.next((m) => m.id === 'b' && m.type === 'data');
    await addNote('only-this', 'for a');
    const got = await c.next((m) => m.id === 'a' && m.type === 'data');
    expect((got.payload!.data as { onNote: { title: string } }).onNote.title).toBe('for a');
    expect(c.dataFrames('a')).toHaveLength(1);
    expect(c.dataFrames('b')).toHaveLength(1);
  });

  it('gives subscribers only the fields the mutation selected', async () => {
    const c = await connect();
    await c.init();
    await c.start('sel', `subscription { onNote(board: "sel") { id title body author } }`, {}, wsAuth(alice));
    await addNote('sel', 'partial', 'id board title');
    const got = await c.next((m) => m.id === 'sel' && m.type === 'data');
    expect(got.payload!.data).toEqual({ onNote: { id: expect.any(String), title: 'partial', body: null, author: null } });
  });

  it('applies the enhanced filter set by the subscription resolver', async () => {
    const c = await connect();
    await c.init();
    const ack = await c.start('f', `subscription { onBoardFiltered(board: "flt", titlePrefix: "keep") { title } }`, {}, wsAuth(alice));
    expect(ack.type).toBe('start_ack');
    await addNote('flt', 'drop me');
    await addNote('flt', 'keep me');
    const got = await c.next((m) => m.id === 'f' && m.type === 'data');
    expect(got.payload!.data).toEqual({ onBoardFiltered: { title: 'keep me' } });
    expect(c.dataFrames('f')).toHaveLength(1);
  });

  it('authorizes every start on its own headers: a bad token on one start is refused, others keep working', async () => {
    const c = await connect();
    await c.init();
    await c.start('good', ON_NOTE, { board: 'auth' }, wsAuth(alice));
    const bad = await c.start('bad', ON_NOTE, { board: 'auth' }, wsAuth('forged.jwt.token'));
    expect(bad.type).toBe('error');
    expect(JSON.stringify(bad.payload)).toMatch(/Unauthorized/);
  });

  it('ends subscriptions invalidated by a mutation with complete, and leaves the others', async () => {
    const c = await connect();
    await c.init();
    expect((await c.start('closing', `subscription { onBoardFiltered(board: "inv-a") { title } }`, {}, wsAuth(alice))).type).toBe('start_ack');
    expect((await c.start('staying', `subscription { onBoardFiltered(board: "inv-b") { title } }`, {}, wsAuth(alice))).type).toBe('start_ack');
    const closed = await gql(stack.runtime.graphqlUrl, `mutation { closeBoard(board: "inv-a") }`, {}, { authorization: alice });
    expect(closed.body).toEqual({ data: { closeBoard: true } });
    await c.next((m) => m.id === 'closing' && m.type === 'complete');
    await addNote('inv-a', 'after close');
    await addNote('inv-b', 'still open');
    const got = await c.next((m) => m.id === 'staying' && m.type === 'data');
    expect(got.payload!.data).toEqual({ onBoardFiltered: { title: 'still open' } });
    expect(c.dataFrames('closing')).toEqual([]);
    expect(c.frames.some((m) => m.id === 'staying' && m.type === 'complete')).toBe(false);
  });

  it('refuses a start the subscription resolver rejects with util.unauthorized()', async () => {
    const c = await connect();
    await c.init();
    const res = await c.start('priv', `subscription { onBoardFiltered(board: "private") { title } }`, {}, wsAuth(alice));
    expect(res.type).toBe('error');
    expect(JSON.stringify(res.payload)).toMatch(/Unauthorized/);
  });

  it('answers an invalid subscription document with an error and stays usable', async () => {
    const c = await connect();
    await c.init();
    const res = await c.start('inv', `subscription { onNote(board: "x") { nope } }`, {}, wsAuth(alice));
    expect(res.type).toBe('error');
    const ok = await c.start('after', ON_NOTE, { board: 'x' }, wsAuth(alice));
    expect(ok.type).toBe('start_ack');
  });
});

describe('bad protocol input', () => {
  it('refuses a start before connection_init', async () => {
    const c = await connect();
    c.send({ id: 'early', type: 'start', payload: { data: JSON.stringify({ query: ON_NOTE, variables: { board: 'early' } }), extensions: { authorization: wsAuth(alice) } } });
    const res = await c.next((m) => m.type === 'error' || m.type === 'connection_error' || m.type === 'start_ack');
    expect(res).toMatchObject({ type: 'error', id: 'early', payload: { errors: [{ errorType: 'BadRequestException' }] } });
    // Nothing was subscribed: after a proper init, an event on that board reaches only a real start.
    await c.init();
    expect((await c.start('late', ON_NOTE, { board: 'early' }, wsAuth(alice))).type).toBe('start_ack');
    await addNote('early', 'one');
    await c.next((m) => m.id === 'late' && m.type === 'data');
    expect(c.dataFrames('early')).toEqual([]);
  });

  it('refuses a start with an expired token of the real issuer, or with none, and changes nothing', async () => {
    const c = await connect();
    await c.init();
    const expired = await expiredToken();
    const res = await c.start('exp', ON_NOTE, { board: 'exp' }, wsAuth(expired));
    expect(res).toMatchObject({ type: 'error', id: 'exp', payload: { errors: [{ errorType: 'UnauthorizedException', message: 'Token has expired.' }] } });
    const none = await c.start('none', ON_NOTE, { board: 'exp' }, { host });
    expect(none).toMatchObject({ type: 'error', id: 'none', payload: { errors: [{ errorType: 'UnauthorizedException' }] } });
    expect((await c.start('ok', ON_NOTE, { board: 'exp' }, wsAuth(alice))).type).toBe('start_ack');
    await addNote('exp', 'only for ok');
    await c.next((m) => m.id === 'ok' && m.type === 'data');
    expect([...c.dataFrames('exp'), ...c.dataFrames('none')]).toEqual([]);
  });

  it('refuses a handshake with an expired token', async () => {
    const c = await RawClient.open(stack.runtime.realtimeUrl, { auth: wsAuth(await expiredToken()) });
    clients.push(c);
    const err = await c.init();
    expect(err).toMatchObject({ type: 'connection_error', payload: { errors: [{ errorType: 'UnauthorizedException' }] } });
  });

  it('refuses a mutation sent as a start: nothing is written', async () => {
    const c = await connect();
    await c.init();
    const before = await countNotes();
    const res = await c.start('mut', `mutation { addNote(input: { board: "ws", title: "via start" }) { id } }`, {}, wsAuth(alice));
    expect(res.type).toBe('error');
    expect(await countNotes()).toBe(before);
  });

  it('answers malformed JSON and unknown message types with errors, and keeps the connection', async () => {
    const c = await connect();
    await c.init();
    let from = c.frames.length;
    c.send('this is not json');
    expect(await c.next((m) => m.type === 'error', from)).toMatchObject({ payload: { errors: [{ errorType: 'BadRequestException' }] } });
    from = c.frames.length;
    c.send({ type: 'teleport', id: 'x' });
    expect(await c.next((m) => m.type === 'error', from)).toEqual({
      type: 'error',
      id: 'x',
      payload: { errors: [{ errorType: 'UnsupportedOperation', message: 'teleport not supported through the realtime channel' }] },
    });
    const ok = await c.start('still', ON_NOTE, { board: 'x' }, wsAuth(alice));
    expect(ok.type).toBe('start_ack');
  });

  it('refuses a duplicate subscription id', async () => {
    const c = await connect();
    await c.init();
    expect((await c.start('dup', ON_NOTE, { board: 'x' }, wsAuth(alice))).type).toBe('start_ack');
    const again = await c.start('dup', ON_NOTE, { board: 'x' }, wsAuth(alice));
    expect(again.type).toBe('error');
  });

  it('keeps HTTP serving after all of the above', async () => {
    const res = await gql(stack.runtime.graphqlUrl, `{ echo(text: "up") }`, {}, { authorization: alice });
    expect(res.body.data).toEqual({ echo: 'up' });
  });
});
