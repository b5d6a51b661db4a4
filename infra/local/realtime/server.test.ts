/**
 * The AppSync real-time protocol message by message, with a raw `ws` client over ws:// and wss://
 * (trusting the locally generated CA) on one port.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES } from './messages.ts';
import { graphqlPathOf } from './server.ts';
import { auth, startFixture, TOKEN, until, type Fixture } from './testing/fixture.ts';
import { RawClient } from './testing/raw-client.ts';

let fx: Fixture;
const clients: RawClient[] = [];

beforeAll(async () => {
  fx = await startFixture({ keepAliveIntervalMs: 40 });
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await until(() => fx.server.stats().connections === 0);
});
afterAll(async () => {
  await fx?.stop();
});

async function connect(opts: { tls?: boolean; token?: string } = {}): Promise<RawClient> {
  const c = await RawClient.open(opts.tls ? fx.wssUrl : fx.wsUrl, { auth: auth(opts.token ?? TOKEN), ...(opts.tls ? { ca: fx.ca } : {}) });
  clients.push(c);
  return c;
}

async function ready(opts: { tls?: boolean } = {}): Promise<RawClient> {
  const c = await connect(opts);
  expect((await c.init()).type).toBe('connection_ack');
  return c;
}

const SUB = 'subscription { onNote }';
const errorsOf = (f: { payload?: { errors?: unknown } }) => f.payload?.errors as Array<{ errorType: string; message: string; errorCode?: number }>;

describe('handshake', () => {
  for (const tls of [false, true]) {
    it(`acks connection_init and keeps sending ka (${tls ? 'wss' : 'ws'})`, async () => {
      const c = await connect({ tls });
      expect(c.ws.protocol).toBe('graphql-ws');
      const ack = await c.init();
      expect(ack).toEqual({ type: 'connection_ack', payload: { connectionTimeoutMs: 300000 } });
      const at = c.frames.indexOf(ack);
      expect(await c.next(() => true, at + 1)).toEqual({ type: 'ka' }); // right after the ack
      await c.next((f) => f.type === 'ka', at + 2);
      const second = c.frames.findIndex((f, i) => i > at + 1 && f.type === 'ka');
      await c.next((f) => f.type === 'ka', second + 1);
    });
  }

  it('sends no ka before connection_init', async () => {
    const c = await connect();
    const ack = await c.init();
    expect(c.frames.indexOf(ack)).toBe(0);
  });

  it('accepts the legacy ?header=&payload= handshake', async () => {
    const header = Buffer.from(JSON.stringify(auth())).toString('base64');
    const c = await RawClient.open(fx.wssUrl, { protocols: ['graphql-ws'], query: `?header=${header}&payload=e30=`, ca: fx.ca });
    clients.push(c);
    expect((await c.init()).type).toBe('connection_ack');
    expect((await c.start('q', SUB, {}, auth())).type).toBe('start_ack');
  });

  it('refuses a bad handshake token with connection_error UnauthorizedException 401, then closes', async () => {
    const c = await connect({ token: 'forged' });
    const err = await c.init();
    expect(err).toEqual({ type: 'connection_error', payload: { errors: [{ errorType: 'UnauthorizedException', message: 'Token is not valid.', errorCode: 401 }] } });
    await c.waitClosed();
  });

  it('refuses a handshake without any auth headers', async () => {
    const c = await RawClient.open(fx.wsUrl, { protocols: ['graphql-ws'] });
    clients.push(c);
    const err = await c.init();
    expect(err.type).toBe('connection_error');
    expect(errorsOf(err)[0]).toMatchObject({ errorType: 'UnauthorizedException', errorCode: 401 });
    await c.waitClosed();
  });

  it('does not pick a subprotocol other than graphql-ws', async () => {
    await expect(RawClient.open(fx.wsUrl, { protocols: ['graphql-transport-ws'] })).rejects.toThrow();
  });
});

describe('subscriptions', () => {
  it('start → start_ack → data → stop → complete, and nothing after the stop (wss)', async () => {
    const c = await ready({ tls: true });
    expect(await c.start('s1', SUB, {}, auth())).toEqual({ type: 'start_ack', id: 's1' });
    expect(fx.server.stats()).toEqual({ connections: 1, subscriptions: 1 });
    fx.server.publisher.publish({ fieldName: 'onNote', data: { id: 'n1' } });
    const data = await c.next((f) => f.id === 's1' && f.type === 'data');
    expect(data).toEqual({ type: 'data', id: 's1', payload: { data: { onNote: { id: 'n1' } } } });
    expect(await c.stop('s1')).toEqual({ type: 'complete', id: 's1' });
    expect(fx.server.stats().subscriptions).toBe(0);
    fx.server.publisher.publish({ fieldName: 'onNote', data: { id: 'n2' } });
    // A marker on another subscription proves the earlier publish was processed.
    await c.start('m', 'subscription { onMarker }', {}, auth());
    fx.server.publisher.publish({ fieldName: 'onMarker', data: {} });
    await c.next((f) => f.id === 'm' && f.type === 'data');
    expect(c.data('s1')).toHaveLength(1);
  });

  it('delivers only to subscriptions of the published field whose arguments match', async () => {
    const c = await ready();
    await c.start('a', SUB, { args: { board: 'a' } }, auth());
    await c.start('b', SUB, { args: { board: 'b' } }, auth());
    await c.start('other', 'subscription { onOther }', {}, auth());
    fx.server.publisher.publish({ fieldName: 'onNote', data: { board: 'b', n: 1 } });
    fx.server.publisher.publish({ fieldName: 'onNote', data: { board: 'a', n: 2 } });
    await c.next((f) => f.id === 'a' && f.type === 'data');
    await c.next((f) => f.id === 'b' && f.type === 'data');
    expect(c.data('a')).toEqual([{ onNote: { board: 'a', n: 2 } }]);
    expect(c.data('b')).toEqual([{ onNote: { board: 'b', n: 1 } }]);
    expect(c.data('other')).toEqual([]);
  });

  it('applies the enhanced filter, which replaces argument filtering as in AppSync', async () => {
    const c = await ready();
    const filter = {
      filterGroup: [
        {
          filters: [
            { fieldName: 'title', operator: 'beginsWith', value: 'keep' },
            { fieldName: 'meta.size', operator: 'le', value: 10 },
          ],
        },
      ],
    };
    // The argument `titlePrefix` has no same-named event field: only the enhanced filter counts.
    expect((await c.start('f', SUB, { args: { titlePrefix: 'keep' }, filter }, auth())).type).toBe('start_ack');
    fx.server.publisher.publish({ fieldName: 'onNote', data: { title: 'drop me', meta: { size: 1 } } });
    fx.server.publisher.publish({ fieldName: 'onNote', data: { title: 'keep big', meta: { size: 99 } } });
    fx.server.publisher.publish({ fieldName: 'onNote', data: { title: 'keep me', meta: { size: 1 } } });
    await c.next((f) => f.id === 'f' && f.type === 'data');
    expect(c.data('f')).toEqual([{ onNote: { title: 'keep me', meta: { size: 1 } } }]);
  });

  it('refuses a start whose filter breaks AppSync rules', async () => {
    const c = await ready();
    const filter = { filterGroup: [{ filters: [{ fieldName: 'g', operator: 'in', value: [1, 2, 3, 4, 5, 6] }] }] };
    const res = await c.start('bad-filter', SUB, { filter }, auth());
    expect(res.type).toBe('error');
    expect(errorsOf(res)[0]).toMatchObject({ errorType: 'BadRequestException', message: expect.stringMatching(/at most 5 values/) });
    expect(fx.server.stats().subscriptions).toBe(0);
  });

  it('ends invalidated subscriptions with complete and leaves the others', async () => {
    const c = await ready();
    const invalidation = (user: string) => ({ filterGroup: [{ filters: [{ fieldName: 'userId', operator: 'eq', value: user }] }] });
    await c.start('u1', SUB, { invalidation: invalidation('u1') }, auth());
    await c.start('u2', SUB, { invalidation: invalidation('u2') }, auth());
    await c.start('plain', SUB, {}, auth());
    fx.server.publisher.invalidate({ subscriptionField: 'onOther', payload: { userId: 'u1' } }); // another field: no effect
    fx.server.publisher.invalidate({ subscriptionField: 'onNote', payload: { userId: 'u1' } });
    expect(await c.next((f) => f.id === 'u1' && f.type === 'complete')).toEqual({ type: 'complete', id: 'u1' });
    expect(fx.server.stats().subscriptions).toBe(2);
    fx.server.publisher.publish({ fieldName: 'onNote', data: { x: 1 } });
    await c.next((f) => f.id === 'u2' && f.type === 'data');
    await c.next((f) => f.id === 'plain' && f.type === 'data');
    expect(c.data('u1')).toEqual([]);
    expect(c.frames.filter((f) => f.type === 'complete').map((f) => f.id)).toEqual(['u1']);
  });

  it('keeps publish order per subscriber even when rendering takes varying time', async () => {
    const c = await ready();
    await c.start('o', SUB, {}, auth());
    const delays = [30, 0, 20, 0, 10, 5, 0, 25];
    delays.forEach((delayMs, i) => fx.server.publisher.publish({ fieldName: 'onNote', data: { i, delayMs } }));
    await until(() => c.data('o').length === delays.length);
    expect(c.data('o').map((d) => (d as { onNote: { i: number } }).onNote.i)).toEqual(delays.map((_, i) => i));
  });

  it('skips events rendered to null data, events whose render fails, and messages over 240 KB', async () => {
    const c = await ready();
    await c.start('n', SUB, {}, auth());
    fx.server.publisher.publish({ fieldName: 'onNote', data: { nothing: true } });
    fx.server.publisher.publish({ fieldName: 'onNote', data: { explode: true } });
    fx.server.publisher.publish({ fieldName: 'onNote', data: { big: 'x'.repeat(MAX_MESSAGE_BYTES) } });
    fx.server.publisher.publish({ fieldName: 'onNote', data: { last: true } });
    await c.next((f) => f.id === 'n' && f.type === 'data');
    expect(c.data('n')).toEqual([{ onNote: { last: true } }]);
    expect(fx.logs.some((l) => l.includes('render failed'))).toBe(true);
    expect(fx.logs.some((l) => /exceeds 245760; not delivered/.test(l))).toBe(true);
  });

  it('does not let a client that stops reading hold up the others', async () => {
    const slow = await ready();
    const fast = await ready();
    await slow.start('s', SUB, {}, auth());
    await fast.start('f', SUB, {}, auth());
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const n = 40;
    for (let i = 0; i < n; i += 1) fx.server.publisher.publish({ fieldName: 'onNote', data: { i, pad: 'p'.repeat(20_000) } });
    await until(() => fast.data('f').length === n);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await until(() => slow.data('s').length === n);
    expect(slow.data('s').map((d) => (d as { onNote: { i: number } }).onNote.i)).toEqual([...Array(n).keys()]);
  });
});

describe('authorization of each start', () => {
  it('refuses a start with a bad token with UnauthorizedException and keeps the other subscriptions', async () => {
    const c = await ready();
    await c.start('good', SUB, {}, auth());
    const bad = await c.start('bad', SUB, {}, auth('forged'));
    expect(bad).toEqual({ type: 'error', id: 'bad', payload: { errors: [{ errorType: 'UnauthorizedException', message: 'Token is not valid.', errorCode: 401 }] } });
    fx.server.publisher.publish({ fieldName: 'onNote', data: { ok: 1 } });
    await c.next((f) => f.id === 'good' && f.type === 'data');
    expect(c.data('bad')).toEqual([]);
  });

  it('refuses a start without extensions.authorization', async () => {
    const c = await ready();
    const res = await c.request({ id: 'na', type: 'start', payload: { data: JSON.stringify({ query: SUB }) } }, (f) => f.id === 'na');
    expect(res.type).toBe('error');
    expect(errorsOf(res)[0]).toMatchObject({ errorType: 'UnauthorizedException' });
  });

  it('passes engine errors through and answers an engine crash with InternalFailure', async () => {
    const c = await ready();
    const invalid = await c.start('v', 'query { nope }', {}, auth());
    expect(errorsOf(invalid)).toEqual([{ errorType: 'ValidationError', message: 'Not a subscription.' }]);
    const crash = await c.start('x', 'subscription { boom }', {}, auth());
    expect(errorsOf(crash)).toEqual([{ errorType: 'InternalFailure', message: 'An internal failure occurred.' }]);
    expect((await c.start('after', SUB, {}, auth())).type).toBe('start_ack');
  });
});

describe('IAM signing inputs', () => {
  it('hands the engine what an IAM client signs: <path>/connect with {} for the handshake, <path> with data for a start', async () => {
    fx.engine.signed.length = 0;
    const c = await ready();
    await c.start('iam', SUB, { args: { a: 1 } }, auth());
    expect(fx.engine.signed).toEqual([
      { method: 'POST', path: '/graphql/connect', body: '{}' },
      { method: 'POST', path: '/graphql', body: JSON.stringify({ query: SUB, variables: { args: { a: 1 } } }) },
    ]);
  });

  it('derives the GraphQL path from the real-time URL', () => {
    expect(graphqlPathOf('/graphql/realtime?header=abc&payload=e30=')).toBe('/graphql');
    expect(graphqlPathOf('/api/v1/graphql/realtime/')).toBe('/api/v1/graphql');
    expect(graphqlPathOf('/realtime')).toBe('/');
  });
});

describe('bad protocol input', () => {
  it('refuses a start before connection_init', async () => {
    const c = await connect();
    const res = await c.start('early', SUB, {}, auth());
    expect(res).toMatchObject({ type: 'error', id: 'early' });
    expect(errorsOf(res)[0]).toMatchObject({ errorType: 'BadRequestException' });
    expect(fx.server.stats().subscriptions).toBe(0);
  });

  it('answers malformed JSON, unknown types, binary and oversized frames with errors and stays usable', async () => {
    const c = await ready();
    const isError = (f: { type: string }) => f.type === 'error';
    expect(errorsOf(await c.request('this is not json', isError))[0]).toMatchObject({ errorType: 'BadRequestException', message: expect.stringMatching(/not valid JSON/) });
    expect(await c.request({ type: 'teleport', id: 't' }, isError)).toEqual({
      type: 'error',
      id: 't',
      payload: { errors: [{ errorType: 'UnsupportedOperation', message: 'teleport not supported through the realtime channel' }] },
    });
    expect(errorsOf(await c.request(Buffer.from([1, 2, 3]), isError))[0]?.message).toMatch(/Binary frames/);
    expect(errorsOf(await c.request('x'.repeat(MAX_MESSAGE_BYTES + 1), isError))[0]?.message).toMatch(/exceeds the 245760-byte limit/);
    expect(errorsOf(await c.request({ type: 'stop' }, isError))[0]?.message).toMatch(/needs an "id"/);
    expect(errorsOf(await c.request({ id: 'd', type: 'start', payload: { data: '{', extensions: { authorization: auth() } } }, isError))[0]?.message).toMatch(/payload.data/);
    expect((await c.start('still', SUB, {}, auth())).type).toBe('start_ack');
  });

  it('refuses a duplicate subscription id with DuplicatedOperationError', async () => {
    const c = await ready();
    expect((await c.start('dup', SUB, {}, auth())).type).toBe('start_ack');
    expect(await c.start('dup', SUB, {}, auth())).toEqual({
      type: 'error',
      id: 'dup',
      payload: { errors: [{ errorType: 'DuplicatedOperationError', message: 'Duplicated operation with id dup' }] },
    });
    expect(fx.server.stats().subscriptions).toBe(1);
  });

  it('answers a stop for an unknown id with complete', async () => {
    const c = await ready();
    expect(await c.stop('never-started')).toEqual({ type: 'complete', id: 'never-started' });
  });

  it('survives a frame above the socket limit (the socket is closed) and serves the next client', async () => {
    const c = await ready();
    c.send('y'.repeat(4 * MAX_MESSAGE_BYTES + 10));
    expect(await c.waitClosed()).toBe(1009);
    const d = await ready();
    expect((await d.start('ok', SUB, {}, auth())).type).toBe('start_ack');
  });
});

describe('cleanup', () => {
  it('forgets a connection and its subscriptions when the socket closes', async () => {
    const c = await ready();
    await c.start('a', SUB, {}, auth());
    await c.start('b', SUB, {}, auth());
    expect(fx.server.stats()).toEqual({ connections: 1, subscriptions: 2 });
    c.close();
    await until(() => fx.server.stats().connections === 0);
    expect(fx.server.stats()).toEqual({ connections: 0, subscriptions: 0 });
    fx.server.publisher.publish({ fieldName: 'onNote', data: {} }); // no one left: nothing breaks
  });

  it('close() ends every socket', async () => {
    const own = await startFixture();
    const c = await RawClient.open(own.wsUrl, { auth: auth() });
    await c.init();
    await c.start('a', SUB, {}, auth());
    await own.stop();
    await c.waitClosed();
    expect(own.server.stats()).toEqual({ connections: 0, subscriptions: 0 });
  });
});
