/** The protocol core without a socket: any frame sequence is answered, nothing throws. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Connection, eventMatches, INIT_TIMEOUT_CLOSE_CODE } from './connection.ts';
import type { ServerMessage } from './messages.ts';
import { auth, testEngine, until } from './testing/fixture.ts';
import type { PreparedSubscription } from './types.ts';

function harness(handshake: ConstructorParameters<typeof Connection>[0]['handshake'] = { ok: true }, connectionInitTimeoutMs?: number) {
  const sent: ServerMessage[] = [];
  const closes: number[] = [];
  const engine = testEngine();
  const conn = new Connection({
    engine,
    sourceIp: '127.0.0.1',
    graphqlPath: '/graphql',
    handshake,
    connectionTimeoutMs: 300_000,
    keepAliveIntervalMs: 60_000,
    connectionInitTimeoutMs,
    send: (m) => sent.push(m),
    close: (code) => closes.push(code),
    log: () => {},
  });
  return { conn, sent, closes, engine };
}

const startFrame = (id: string) => JSON.stringify({ id, type: 'start', payload: { data: JSON.stringify({ query: 'subscription { onNote }' }), extensions: { authorization: auth() } } });

describe('Connection', () => {
  it('closes a socket that sends no connection_init within the configured interval, and keeps one that does', async () => {
    const silent = harness({ ok: true }, 50);
    const started = harness({ ok: true }, 50);
    started.conn.receive('{"type":"connection_init"}');
    silent.conn.receive(startFrame('before-init')); // anything but connection_init does not count
    await until(() => silent.closes.length > 0);
    expect(silent.closes).toEqual([INIT_TIMEOUT_CLOSE_CODE]);
    await new Promise((r) => setTimeout(r, 100)); // twice the interval: its deadline would have passed too
    expect(started.closes).toEqual([]);
    started.conn.dispose();
  });

  it('never throws on an arbitrary frame sequence and stays usable', async () => {
    const frame = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .record({ type: fc.constantFrom('start', 'stop', 'connection_init', 'ka', 'data', ''), id: fc.option(fc.oneof(fc.string(), fc.integer())), payload: fc.anything() })
        .map((o) => JSON.stringify(o)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { maxLength: 20 }), async (frames) => {
        const { conn, sent } = harness();
        conn.receive('{"type":"connection_init"}');
        for (const f of frames) expect(() => conn.receive(f)).not.toThrow();
        const from = sent.length;
        conn.receive(startFrame('final-check'));
        await until(() => sent.slice(from).some((m) => 'id' in m && m.id === 'final-check'));
        const reply = sent.slice(from).find((m) => 'id' in m && m.id === 'final-check');
        // Either acked, or refused only because an earlier frame already used this id.
        expect(reply?.type === 'start_ack' || (reply?.type === 'error' && reply.payload.errors[0]?.errorType === 'DuplicatedOperationError')).toBe(true);
        conn.dispose();
      }),
      { numRuns: 150 },
    );
  });

  it('answers the first frame of a refused handshake with connection_error and closes', () => {
    const { conn, sent, closes } = harness({ ok: false, errorType: 'UnauthorizedException', message: 'nope', status: 401 });
    conn.receive('{"type":"connection_init"}');
    expect(sent).toEqual([{ type: 'connection_error', payload: { errors: [{ errorType: 'UnauthorizedException', message: 'nope', errorCode: 401 }] } }]);
    expect(closes).toEqual([1000]);
    conn.receive('{"type":"connection_init"}');
    expect(sent).toHaveLength(1);
  });

  it('drops a start whose stop arrived while it was being prepared', async () => {
    const { conn, sent, engine } = harness();
    conn.receive('{"type":"connection_init"}');
    conn.receive(startFrame('s'));
    conn.receive('{"type":"stop","id":"s"}');
    await until(() => engine.prepared === 1);
    await new Promise((r) => setImmediate(r)); // let the start's continuation run
    expect(sent.filter((m) => 'id' in m && m.id === 's')).toEqual([{ type: 'complete', id: 's' }]);
    expect(conn.subscriptionCount).toBe(0);
  });

  it('refuses the 101st subscription with MaxSubscriptionsReachedError', async () => {
    const { conn, sent } = harness();
    conn.receive('{"type":"connection_init"}');
    for (let i = 0; i < 100; i += 1) conn.receive(startFrame(`s${i}`));
    await until(() => conn.subscriptionCount === 100);
    conn.receive(startFrame('one-too-many'));
    await until(() => sent.some((m) => 'id' in m && m.id === 'one-too-many'));
    expect(sent.find((m) => 'id' in m && m.id === 'one-too-many')).toEqual({
      type: 'error',
      id: 'one-too-many',
      payload: { errors: [{ errorType: 'MaxSubscriptionsReachedError', message: 'Max number of 100 subscriptions reached' }] },
    });
    conn.dispose();
  });
});

describe('eventMatches', () => {
  const sub = (over: Partial<PreparedSubscription>): PreparedSubscription => ({
    fieldName: 'onNote',
    argumentFilter: {},
    render: async () => ({ data: null }),
    ...over,
  });
  it('needs the same field', () => {
    expect(eventMatches(sub({}), { fieldName: 'onOther', data: {} })).toBe(false);
    expect(eventMatches(sub({}), { fieldName: 'onNote', data: {} })).toBe(true);
  });
  it('uses arguments without an enhanced filter, and only the enhanced filter with one', () => {
    const args = { board: 'a' };
    expect(eventMatches(sub({ argumentFilter: args }), { fieldName: 'onNote', data: { board: 'b' } })).toBe(false);
    const enhancedFilter = { filterGroup: [{ filters: [{ fieldName: 'board', operator: 'eq', value: 'b' }] }] };
    expect(eventMatches(sub({ argumentFilter: args, enhancedFilter }), { fieldName: 'onNote', data: { board: 'b' } })).toBe(true);
    expect(eventMatches(sub({ argumentFilter: args, enhancedFilter }), { fieldName: 'onNote', data: { board: 'a' } })).toBe(false);
  });
});
