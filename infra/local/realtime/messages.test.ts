import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, parseClientMessage, parseStartData } from './messages.ts';
import { handshakeAuthHeaders, requestedProtocols } from './handshake.ts';

const start = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: 's1',
    type: 'start',
    payload: { data: JSON.stringify({ query: 'subscription { x }' }), extensions: { authorization: { Authorization: 'jwt', host: 'h' } } },
    ...over,
  });

describe('parseClientMessage', () => {
  it('accepts connection_init, start and stop', () => {
    expect(parseClientMessage('{"type":"connection_init"}')).toEqual({ ok: true, message: { type: 'connection_init' } });
    expect(parseClientMessage('{"type":"stop","id":"a"}')).toEqual({ ok: true, message: { type: 'stop', id: 'a' } });
    const s = parseClientMessage(start());
    expect(s).toMatchObject({ ok: true, message: { type: 'start', id: 's1', payload: { extensions: { authorization: { Authorization: 'jwt', host: 'h' } } } } });
  });

  it('keeps only string auth header values', () => {
    const s = parseClientMessage(start({ payload: { data: '{}', extensions: { authorization: { a: 'x', b: 1, c: null } } } }));
    expect(s.ok && s.message.type === 'start' && s.message.payload.extensions.authorization).toEqual({ a: 'x' });
  });

  it('says what is wrong with malformed frames', () => {
    const notJson = parseClientMessage('not json');
    expect(notJson).toMatchObject({ ok: false, error: { errorType: 'BadRequestException' } });
    expect(!notJson.ok && notJson.error.message).toMatch(/not valid JSON/);
    expect(parseClientMessage('[1]')).toMatchObject({ ok: false, error: { message: 'Message must be a JSON object.' } });
    expect(parseClientMessage('{"type":"stop"}')).toMatchObject({ ok: false, error: { message: 'A "stop" message needs an "id".' } });
    expect(parseClientMessage('{"type":"stop","id":7}')).toMatchObject({ ok: false, error: { message: '"id" must be a non-empty string.' } });
    expect(parseClientMessage('{"type":"start"}')).toMatchObject({ ok: false, error: { message: 'A "start" message needs an "id".' } });
    expect(parseClientMessage(start({ payload: 'x' }))).toMatchObject({ ok: false, id: 's1', error: { message: '"payload" of a start must be an object.' } });
    expect(parseClientMessage(start({ payload: { data: {} } }))).toMatchObject({ ok: false, id: 's1', error: { errorType: 'BadRequestException' } });
  });

  it('answers a start without authorization as unauthorized, with its id', () => {
    expect(parseClientMessage(start({ payload: { data: '{}' } }))).toMatchObject({
      ok: false,
      id: 's1',
      error: { errorType: 'UnauthorizedException', errorCode: 401 },
    });
  });

  it('answers unknown and missing types with UnsupportedOperation in AppSync wording', () => {
    expect(parseClientMessage('{"type":"teleport","id":"t"}')).toEqual({
      ok: false,
      id: 't',
      error: { errorType: 'UnsupportedOperation', message: 'teleport not supported through the realtime channel' },
    });
    expect(parseClientMessage('{}')).toMatchObject({ ok: false, error: { message: 'unknown not supported through the realtime channel' } });
  });

  it('refuses oversized frames before parsing them', () => {
    const big = JSON.stringify({ type: 'connection_init', payload: 'x'.repeat(MAX_MESSAGE_BYTES) });
    expect(parseClientMessage(big)).toMatchObject({ ok: false, error: { errorType: 'BadRequestException' } });
    expect(parseClientMessage('{"type":"connection_init"}', 10)).toMatchObject({ ok: false, error: { message: /exceeds the 10-byte limit/ } });
  });
});

describe('parseStartData', () => {
  it('reads query, variables and operationName', () => {
    expect(parseStartData(JSON.stringify({ query: 'subscription { a }', variables: { b: 1 }, operationName: 'Op' }))).toEqual({
      ok: true,
      request: { query: 'subscription { a }', variables: { b: 1 }, operationName: 'Op' },
    });
    expect(parseStartData(JSON.stringify({ query: 'subscription { a }', variables: null }))).toEqual({ ok: true, request: { query: 'subscription { a }' } });
  });

  it('says what is wrong', () => {
    expect(parseStartData('{')).toMatchObject({ ok: false, error: { message: /"payload.data" is not valid JSON/ } });
    expect(parseStartData('"x"')).toMatchObject({ ok: false, error: { message: '"payload.data" must encode a JSON object.' } });
    expect(parseStartData('{}')).toMatchObject({ ok: false, error: { message: '"payload.data" must carry a GraphQL "query" string.' } });
    expect(parseStartData('{"query":"q","variables":[1]}')).toMatchObject({ ok: false, error: { message: '"variables" must be an object.' } });
    expect(parseStartData('{"query":"q","operationName":3}')).toMatchObject({ ok: false, error: { message: '"operationName" must be a string.' } });
  });
});

describe('handshake auth headers', () => {
  const auth = { Authorization: 'a.b.c', host: '127.0.0.1:1' };
  it('reads the header- subprotocol (base64url without padding)', () => {
    const proto = `header-${Buffer.from(JSON.stringify(auth)).toString('base64url')}`;
    const req = { headers: { 'sec-websocket-protocol': `graphql-ws, ${proto}` } };
    expect(requestedProtocols(req)).toEqual(['graphql-ws', proto]);
    expect(handshakeAuthHeaders(req)).toEqual(auth);
  });

  it('falls back to ?header= with standard base64, encoded or not', () => {
    // A value whose base64 holds '+' and '/', sent unencoded as older clients do.
    const tricky = { 'x-api-key': 'da2-\u00fb\u00ff\u00fe>>>???', host: 'h' };
    const b64 = Buffer.from(JSON.stringify(tricky)).toString('base64');
    expect(b64).toMatch(/[+/]/);
    expect(handshakeAuthHeaders({ url: `/graphql/realtime?header=${b64}&payload=e30=`, headers: {} })).toEqual(tricky);
    expect(handshakeAuthHeaders({ url: `/graphql/realtime?header=${encodeURIComponent(b64)}&payload=e30=`, headers: {} })).toEqual(tricky);
  });

  it('gives undefined for missing or undecodable headers', () => {
    expect(handshakeAuthHeaders({ url: '/graphql/realtime', headers: {} })).toBeUndefined();
    expect(handshakeAuthHeaders({ headers: { 'sec-websocket-protocol': 'graphql-ws, header-!!!' } })).toBeUndefined();
    expect(handshakeAuthHeaders({ url: '/r?header=%E0%A4%A', headers: {} })).toBeUndefined();
  });
});
