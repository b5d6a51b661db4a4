import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { HostBridge } from './host.ts';
import { newInvocationState } from './host.ts';
import { createRuntimeApi } from './util.ts';
import { formatEpochMillis, parseFormatted, parseISO8601 } from './util-time.ts';
import { toSubscriptionFilter } from './util-transform.ts';
import * as ddb from './ddb-module.ts';

const host: HostBridge = { randomHex: (n) => randomBytes(n).toString('hex'), log: () => {} };
const NOW = Date.UTC(2024, 0, 15, 13, 4, 5, 678);
const state = newInvocationState('Query', 'getFile', 'User Pool Authorization');
const { util, extensions, runtime } = createRuntimeApi(
  host,
  () => state,
  () => NOW,
);

const caught = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe('util', () => {
  it('encodes and decodes', () => {
    expect(util.base64Encode('héllo ✓')).toBe(Buffer.from('héllo ✓').toString('base64'));
    expect(util.base64Decode(Buffer.from('𝄞 music').toString('base64'))).toBe('𝄞 music');
    expect(util.urlEncode('a b&c=d/é*')).toBe('a+b%26c%3Dd%2F%C3%A9*');
    expect(util.urlDecode('a+b%26c')).toBe('a b&c');
    expect(util.escapeJavaScript(`it's "x"\n`)).toBe(`it\\'s \\"x\\"\\n`);
  });

  it('makes ids in the documented formats', () => {
    expect(util.autoId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const u = util.autoUlid();
    expect(u).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    // The first 10 Crockford digits encode the time.
    const decoded = [...u.slice(0, 10)].reduce((n, c) => n * 32 + '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(c), 0);
    expect(decoded).toBe(NOW);
    expect(util.autoKsuid()).toMatch(/^[0-9A-Za-z]{27}$/);
  });

  it('util.error and util.unauthorized throw signals; appendError records', () => {
    expect(caught(() => util.error('m', 'T', { a: 1 }, { b: 2 }))).toEqual({ __appsync: 'error', message: 'm', errorType: 'T', data: { a: 1 }, errorInfo: { b: 2 } });
    expect(caught(() => util.unauthorized())).toMatchObject({ message: 'Not Authorized to access getFile on type Query', errorType: 'Unauthorized' });
    util.appendError('w', 'Warn');
    expect(state.errors).toEqual([{ message: 'w', errorType: 'Warn', data: null, errorInfo: null }]);
    expect(caught(() => runtime.earlyReturn({ x: 1 }, { skipTo: 'END' }))).toEqual({ __appsync: 'earlyReturn', value: { x: 1 }, skipTo: 'END' });
  });

  it('matches whole strings like Java, and reports the auth type', () => {
    expect(util.matches('a*b', 'aaab')).toBe(true);
    expect(util.matches('a*b', 'aaabc')).toBe(false);
    expect(util.authType()).toBe('User Pool Authorization');
  });

  it('math and str', () => {
    expect(util.math.roundNum(2.5)).toBe(3);
    expect(util.math.minVal(3, 1)).toBe(1);
    expect(util.math.maxVal(3, 1)).toBe(3);
    const r = util.math.randomWithinRange(5, 7);
    expect(r >= 5 && r <= 7 && Number.isInteger(r)).toBe(true);
    expect(util.str.normalize('e\u0301', 'nfc')).toBe('é');
  });

  it('extensions record filters and invalidations', () => {
    extensions.setSubscriptionFilter({ filterGroup: [] });
    extensions.invalidateSubscriptions({ subscriptionField: 'onX', payload: { id: 1 } });
    expect(state.subscriptionFilter).toEqual({ filterGroup: [] });
    expect(state.invalidations).toEqual([{ subscriptionField: 'onX', payload: { id: 1 } }]);
  });
});

describe('util.time', () => {
  it('now* functions', () => {
    expect(util.time.nowISO8601()).toBe('2024-01-15T13:04:05.678Z');
    expect(util.time.nowEpochSeconds()).toBe(Math.floor(NOW / 1000));
    expect(util.time.nowEpochMilliSeconds()).toBe(NOW);
    expect(util.time.nowFormatted('yyyy-MM-dd HH:mm:ss')).toBe('2024-01-15 13:04:05');
    expect(util.time.nowFormatted('dd MMM yyyy hh:mm a Z', 'America/New_York')).toBe('15 Jan 2024 08:04 AM -0500');
  });

  it('formats and parses with patterns and zones', () => {
    expect(formatEpochMillis(NOW, "EEE, d MMMM yyyy 'at' HH:mm:ss.SSSXXX", 'Asia/Kolkata')).toBe('Mon, 15 January 2024 at 18:34:05.678+05:30');
    expect(parseFormatted('2024-01-15 13:04:05', 'yyyy-MM-dd HH:mm:ss')).toBe(Date.UTC(2024, 0, 15, 13, 4, 5));
    expect(parseFormatted('2024-07-01 12:00', 'yyyy-MM-dd HH:mm', 'Europe/Paris')).toBe(Date.UTC(2024, 6, 1, 10, 0));
    expect(parseFormatted('2024-01-15T13:04:05+0100', "yyyy-MM-dd'T'HH:mm:ssZ")).toBe(Date.UTC(2024, 0, 15, 12, 4, 5));
    expect(parseISO8601('2024-01-15T13:04:05.678Z')).toBe(NOW);
    expect(parseISO8601('2024-01-15T13:04:05')).toBe(Date.UTC(2024, 0, 15, 13, 4, 5));
    expect(util.time.epochMilliSecondsToSeconds(1999)).toBe(1);
    expect(util.time.epochMilliSecondsToISO8601(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(util.time.epochMilliSecondsToFormatted(0, 'yyyy/MM/dd')).toBe('1970/01/01');
  });
});

describe('util.dynamodb', () => {
  it('converts values to attribute values (lists, not sets)', () => {
    expect(util.dynamodb.toDynamoDB({ foo: 'bar', baz: 1234, beep: ['boop'], n: null, t: true })).toEqual({
      M: { foo: { S: 'bar' }, baz: { N: '1234' }, beep: { L: [{ S: 'boop' }] }, n: { NULL: null }, t: { BOOL: true } },
    });
    expect(util.dynamodb.toMapValues({ a: 1 })).toEqual({ a: { N: '1' } });
    expect(util.dynamodb.toString(null)).toBeNull();
    expect(util.dynamodb.toStringSet(['a', 'b'])).toEqual({ SS: ['a', 'b'] });
    expect(util.dynamodb.toNumberSet([1, 2.5])).toEqual({ NS: ['1', '2.5'] });
    expect(util.dynamodb.toNull()).toEqual({ NULL: null });
    expect(util.dynamodb.toList('x')).toBeNull();
  });

  it('S3 objects round-trip', () => {
    const v = util.dynamodb.toS3Object('k', 'b', 'r', 'v1');
    expect(JSON.parse(v.S)).toEqual({ s3: { key: 'k', bucket: 'b', region: 'r', version: 'v1' } });
    expect(util.dynamodb.fromS3ObjectJson(v.S)).toEqual({ key: 'k', bucket: 'b', region: 'r', version: 'v1' });
  });
});

describe('util.transform', () => {
  it('builds a DynamoDB filter expression', () => {
    expect(JSON.parse(util.transform.toDynamoDBFilterExpression({ title: { contains: 'Hello World' } }))).toEqual({
      expression: '(contains(#title, :title_contains))',
      expressionNames: { '#title': 'title' },
      expressionValues: { ':title_contains': { S: 'Hello World' } },
    });
  });

  it('nests and/or/not and keeps placeholders unique', () => {
    const e = JSON.parse(util.transform.toDynamoDBConditionExpression({ or: [{ v: { eq: 1 } }, { v: { eq: 2 } }], not: { gone: { attributeExists: true } }, n: { between: [1, 5] } }));
    expect(e.expression).toBe('((#v = :v_eq) OR (#v = :v_eq_1)) AND (NOT (attribute_exists(#gone))) AND (#n BETWEEN :n_between_0 AND :n_between_1)'.replace(/^/, '(').replace(/$/, ')'));
    expect(e.expressionValues).toEqual({ ':v_eq': { N: '1' }, ':v_eq_1': { N: '2' }, ':n_between_0': { N: '1' }, ':n_between_1': { N: '5' } });
  });

  it('builds subscription filters with ignored fields and rules', () => {
    expect(toSubscriptionFilter({ owner: { eq: 'u1' }, secret: { eq: 'x' } }, ['secret'])).toEqual({ filterGroup: [{ filters: [{ fieldName: 'owner', operator: 'eq', value: 'u1' }] }] });
    expect(toSubscriptionFilter({ owner: { eq: 'u1' } }, [], { kind: { eq: 'a' }, size: { gt: 3 } })).toEqual({
      filterGroup: [
        {
          filters: [
            { fieldName: 'owner', operator: 'eq', value: 'u1' },
            { fieldName: 'kind', operator: 'eq', value: 'a' },
          ],
        },
        {
          filters: [
            { fieldName: 'owner', operator: 'eq', value: 'u1' },
            { fieldName: 'size', operator: 'gt', value: 3 },
          ],
        },
      ],
    });
    expect(toSubscriptionFilter({ or: [{ a: { eq: 1 } }, { b: { ne: 2 } }] }).filterGroup).toHaveLength(2);
  });
});

describe('@aws-appsync/utils/dynamodb', () => {
  it('get and put', () => {
    expect(ddb.get({ key: { id: 'a' }, consistentRead: true, projection: ['id', 'meta.size'] })).toEqual({
      operation: 'GetItem',
      key: { id: { S: 'a' } },
      consistentRead: true,
      projection: { expression: '#id, #meta.#size', expressionNames: { '#id': 'id', '#meta': 'meta', '#size': 'size' } },
    });
    expect(ddb.put({ key: { id: 'a' }, item: { tags: ddb.toStringSet(['x']), n: 1 }, condition: { id: { attributeExists: false } } })).toEqual({
      operation: 'PutItem',
      key: { id: { S: 'a' } },
      attributeValues: { tags: { SS: ['x'] }, n: { N: '1' } },
      condition: { expression: '(attribute_not_exists(#id))', expressionNames: { '#id': 'id' } },
    });
  });

  it('update with operations', () => {
    const r = ddb.update({
      key: { id: 'a' },
      update: { title: 't', count: ddb.operations.increment(2), old: ddb.operations.remove(), list: ddb.operations.append([1]), meta: { size: 3 }, items: [ddb.operations.updateListItem('z', 0)] },
    });
    expect(r.update.expression).toBe(
      'SET #title = :title, #list = list_append(if_not_exists(#list, :list_empty), :list), #meta.#size = :meta_size, #items[0] = :items_0 ADD #count :count REMOVE #old',
    );
    expect(r.update.expressionValues).toMatchObject({ ':title': { S: 't' }, ':count': { N: '2' }, ':list': { L: [{ N: '1' }] }, ':meta_size': { N: '3' }, ':items_0': { S: 'z' } });
  });

  it('query, scan and transactions', () => {
    expect(ddb.query({ query: { pk: { eq: 'p' }, sk: { beginsWith: 'F#' } }, index: 'byX', limit: 5, scanIndexForward: false, filter: { deleted: { ne: true } } })).toEqual({
      operation: 'Query',
      query: {
        expression: '#pk = :pk_eq AND begins_with(#sk, :sk_beginsWith)',
        expressionNames: { '#pk': 'pk', '#sk': 'sk' },
        expressionValues: { ':pk_eq': { S: 'p' }, ':sk_beginsWith': { S: 'F#' } },
      },
      index: 'byX',
      limit: 5,
      scanIndexForward: false,
      filter: { expression: '(#deleted <> :deleted_ne)', expressionNames: { '#deleted': 'deleted' }, expressionValues: { ':deleted_ne': { BOOL: true } } },
    });
    expect(ddb.scan({ limit: 2 })).toEqual({ operation: 'Scan', limit: 2 });
    const t = ddb.transactWrite({
      items: [{ putItem: { table: 'T', key: { id: 'a' }, item: { v: 1 }, condition: { id: { attributeExists: false } } } }, { deleteItem: { table: 'T', key: { id: 'b' } } }],
    });
    expect(t.transactItems).toEqual([
      {
        table: 'T',
        operation: 'PutItem',
        key: { id: { S: 'a' } },
        attributeValues: { v: { N: '1' } },
        condition: { expression: '(attribute_not_exists(#id))', expressionNames: { '#id': 'id' }, returnValuesOnConditionCheckFailure: true },
      },
      { table: 'T', operation: 'DeleteItem', key: { id: { S: 'b' } } },
    ]);
    expect(ddb.batchGet({ tables: { T: { keys: [{ id: 'a' }] } } })).toEqual({ operation: 'BatchGetItem', tables: { T: { keys: [{ id: { S: 'a' } }] } } });
  });
});

describe('the rest of the documented util surface', () => {
  it('autoKsuid carries the time in its first 4 bytes (KSUID epoch) and ids differ', () => {
    const k = util.autoKsuid();
    const n = [...k].reduce((acc, c) => acc * 62n + BigInt('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'.indexOf(c)), 0n);
    expect(Number(n >> 128n)).toBe(Math.floor(NOW / 1000) - 1_400_000_000);
    expect(new Set([util.autoId(), util.autoId(), util.autoUlid(), util.autoUlid(), util.autoKsuid()]).size).toBe(5);
  });

  it('util.error and appendError default the errorType, data and errorInfo', () => {
    expect(caught(() => util.error('only a message'))).toEqual({ __appsync: 'error', message: 'only a message', errorType: 'Unknown', data: null, errorInfo: null });
    const s = newInvocationState('Query', 'q', 'API Key Authorization');
    createRuntimeApi(
      host,
      () => s,
      () => NOW,
    ).util.appendError('plain');
    expect(s.errors).toEqual([{ message: 'plain', errorType: 'Unknown', data: null, errorInfo: null }]);
  });

  it('math.randomDouble is in [0, 1); randomWithinRange includes both ends', () => {
    const xs = Array.from({ length: 200 }, () => util.math.randomDouble());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const ints = new Set(Array.from({ length: 300 }, () => util.math.randomWithinRange(1, 3)));
    expect([...ints].sort()).toEqual([1, 2, 3]);
  });

  it('str.normalize takes every Unicode form', () => {
    expect(util.str.normalize('\u00e9', 'nfd')).toBe('e\u0301');
    expect(util.str.normalize('\ufb01', 'nfkc')).toBe('fi');
    expect(util.str.normalize('\ufb01', 'nfkd')).toBe('fi');
  });

  it('base64 and url round-trip any UTF-8, and base64Decode ignores padding and line breaks', () => {
    for (const s of ['', 'a', 'ab', 'abc', 'ü€𝄞', 'line\nbreak']) {
      expect(util.base64Decode(util.base64Encode(s))).toBe(s);
      expect(util.urlDecode(util.urlEncode(s))).toBe(s);
    }
    expect(util.base64Decode('aGVs\nbG8=')).toBe('hello');
    expect(util.urlEncode("!'()~ *")).toBe('%21%27%28%29%7E+*');
  });

  it('the time helpers format and parse through util.time, with zones', () => {
    expect(util.time.nowFormatted("yyyy-MM-dd'T'HH:mmXXX", 'Asia/Tokyo')).toBe('2024-01-15T22:04+09:00');
    expect(util.time.epochMilliSecondsToFormatted(NOW, 'EEEE d MMM h:mm a', 'America/Los_Angeles')).toBe('Monday 15 Jan 5:04 AM');
    expect(util.time.parseFormattedToEpochMilliSeconds('15/01/2024 22:04', 'dd/MM/yyyy HH:mm', 'Asia/Tokyo')).toBe(Date.UTC(2024, 0, 15, 13, 4));
    expect(util.time.parseISO8601ToEpochMilliSeconds('2024-01-15T14:04:05.678+01:00')).toBe(NOW);
    expect(util.time.parseFormattedToEpochMilliSeconds('15 Jan 2024 01:04 PM', 'dd MMM yyyy hh:mm a')).toBe(Date.UTC(2024, 0, 15, 13, 4));
    expect(Number.isNaN(util.time.parseFormattedToEpochMilliSeconds('not a date', 'yyyy-MM-dd'))).toBe(true);
    expect(util.time.epochMilliSecondsToFormatted(Date.UTC(2024, 0, 1, 12), 'HH:mm z', 'America/Los_Angeles')).toBe('04:00 PST');
    expect(util.time.epochMilliSecondsToFormatted(Date.UTC(2024, 6, 1, 12), 'HH:mm zzzz', 'America/Los_Angeles')).toBe('05:00 Pacific Daylight Time');
    expect(util.time.epochMilliSecondsToFormatted(0, 'z VV')).toBe('UTC UTC');
    expect(util.time.epochMilliSecondsToFormatted(0, 'VV', 'Europe/Paris')).toBe('Europe/Paris');
    // A DST change: the same wall time maps to different offsets in winter and summer.
    expect(util.time.epochMilliSecondsToFormatted(Date.UTC(2024, 6, 1, 12), 'HH:mm Z', 'Europe/Berlin')).toBe('14:00 +0200');
    expect(util.time.epochMilliSecondsToFormatted(Date.UTC(2024, 0, 1, 12), 'HH:mm Z', 'Europe/Berlin')).toBe('13:00 +0100');
  });

  it('every util.dynamodb converter, null in and null out', () => {
    const d = util.dynamodb;
    expect(d.toString('s')).toEqual({ S: 's' });
    expect(d.toNumber(0)).toEqual({ N: '0' });
    expect(d.toNumber(null)).toBeNull();
    expect(d.toBinary('YQ==')).toEqual({ B: 'YQ==' });
    expect(d.toBinarySet(['YQ==', 'Yg=='])).toEqual({ BS: ['YQ==', 'Yg=='] });
    expect(d.toBoolean(false)).toEqual({ BOOL: false });
    expect(d.toBoolean(undefined)).toBeNull();
    expect(d.toStringSet(null)).toBeNull();
    expect(d.toList([1, 'a', null])).toEqual({ L: [{ N: '1' }, { S: 'a' }, { NULL: null }] });
    expect(d.toMap({ a: { b: [true] } })).toEqual({ M: { a: { M: { b: { L: [{ BOOL: true }] } } } } });
    expect(d.toMap([1] as never)).toBeNull();
    expect(d.toMapValues(null as never)).toBeNull();
    // A set made by a set helper stays a set when nested in an item.
    expect(d.toMapValues({ tags: d.toStringSet(['x', 'y']), skip: undefined })).toEqual({ tags: { SS: ['x', 'y'] } });
    expect(d.toS3Object('k', 'b', 'r')).toEqual({ S: '{"s3":{"key":"k","bucket":"b","region":"r"}}' });
  });

  it('transform: every filter operator, and subscription filters with and', () => {
    const e = JSON.parse(
      util.transform.toDynamoDBFilterExpression({
        a: { le: 1, ge: 0, lt: 2, gt: -1 },
        s: { beginsWith: 'x', notContains: 'y' },
        k: { in: ['p', 'q'] },
        t: { attributeType: 'string' },
        l: { size: { gt: 2 } },
        gone: { attributeExists: false },
      }),
    );
    expect(e.expression).toBe(
      '((#a <= :a_le) AND (#a >= :a_ge) AND (#a < :a_lt) AND (#a > :a_gt) AND (begins_with(#s, :s_beginsWith)) AND (NOT contains(#s, :s_notContains)) AND (#k IN (:k_in_0, :k_in_1)) AND (attribute_type(#t, :t_attributeType)) AND (size(#l) > :l_size_gt) AND (attribute_not_exists(#gone)))',
    );
    expect(e.expressionValues[':t_attributeType']).toEqual({ S: 'S' });
    expect(JSON.parse(util.transform.toDynamoDBConditionExpression({}))).toEqual({ expression: '' });
    expect(toSubscriptionFilter({ and: [{ a: { eq: 1 } }, { or: [{ b: { eq: 2 } }, { c: { eq: 3 } }] }] })).toEqual({
      filterGroup: [
        {
          filters: [
            { fieldName: 'a', operator: 'eq', value: 1 },
            { fieldName: 'b', operator: 'eq', value: 2 },
          ],
        },
        {
          filters: [
            { fieldName: 'a', operator: 'eq', value: 1 },
            { fieldName: 'c', operator: 'eq', value: 3 },
          ],
        },
      ],
    });
  });

  it('extensions: invalidation filter and cache eviction', () => {
    const s = newInvocationState('Subscription', 'onX', 'API Key Authorization');
    const api = createRuntimeApi(
      host,
      () => s,
      () => NOW,
    );
    api.extensions.setSubscriptionInvalidationFilter({ filterGroup: [{ filters: [{ fieldName: 'id', operator: 'eq', value: 1 }] }] });
    expect(s.subscriptionInvalidationFilter).toEqual({ filterGroup: [{ filters: [{ fieldName: 'id', operator: 'eq', value: 1 }] }] });
    expect(api.extensions.evictFromApiCache('Query', 'q', { id: 1 } as never)).toBeUndefined();
  });

  it('util.http copies request headers without the client-set ones and collects response headers', () => {
    expect(util.http.copyHeaders({ Host: 'api.example', 'content-length': '12', connection: 'keep-alive', 'x-trace': 'a', authorization: 't', n: 3 } as never)).toEqual({
      'x-trace': 'a',
      authorization: 't',
      n: '3',
    });
    const s = newInvocationState();
    const api = createRuntimeApi(host, () => s);
    api.util.http.addResponseHeader('X-One', 1);
    api.util.http.addResponseHeaders({ 'x-two': 'b' });
    expect(s.responseHeaders).toEqual({ 'x-one': '1', 'x-two': 'b' });
    expect(caught(() => api.util.http.addResponseHeader('content-type', 'text/html'))).toMatchObject({ name: 'TypeError', message: expect.stringContaining('"content-type" is set by the runtime') });
    expect(caught(() => api.util.http.addResponseHeader('bad name', 'x'))).toMatchObject({ message: expect.stringContaining('not a valid header name') });
    expect(caught(() => api.util.http.addResponseHeader('x-split', 'a\r\nset-cookie: b'))).toMatchObject({ message: expect.stringContaining('line break') });
    expect(s.responseHeaders).toEqual({ 'x-one': '1', 'x-two': 'b' });
  });

  it('helpers AppSync offers only for other data sources fail with a TypeError naming them', () => {
    expect(caught(() => util.xml.toMap('<a/>'))).toMatchObject({ message: expect.stringContaining('util.xml.toMap') });
    expect(caught(() => (util.rds as unknown as Record<string, () => void>).toJsonObject!())).toMatchObject({ message: expect.stringContaining('util.rds.toJsonObject') });
    expect(caught(() => util.transform.toElasticsearchQueryDSL({}))).toMatchObject({ message: expect.stringContaining('toElasticsearchQueryDSL') });
  });
});

describe('@aws-appsync/utils/dynamodb, the other requests', () => {
  it('remove, scan with segments, sync', () => {
    expect(ddb.remove({ key: { id: 'a' }, condition: { v: { eq: 1 } } })).toEqual({
      operation: 'DeleteItem',
      key: { id: { S: 'a' } },
      condition: { expression: '(#v = :v_eq)', expressionNames: { '#v': 'v' }, expressionValues: { ':v_eq': { N: '1' } } },
    });
    expect(ddb.scan({ totalSegments: 4, segment: 1, index: 'i', consistentRead: true, projection: ['a'], nextToken: 't' })).toEqual({
      operation: 'Scan',
      totalSegments: 4,
      segment: 1,
      index: 'i',
      nextToken: 't',
      consistentRead: true,
      projection: { expression: '#a', expressionNames: { '#a': 'a' } },
    });
    expect(ddb.sync({ limit: 5, lastSync: 10 })).toEqual({ operation: 'Sync', limit: 5, lastSync: 10 });
  });

  it('the remaining update operations', () => {
    const r = ddb.update({
      key: { id: 'a' },
      update: { s: ddb.operations.add(ddb.toStringSet(['x'])), r: ddb.operations.replace({ n: 1 }), c: ddb.operations.decrement(), l: ddb.operations.prepend(['z']) },
    });
    expect(r.update.expression).toBe('SET #r = :r, #l = list_append(:l, if_not_exists(#l, :l_empty)) ADD #s :s, #c :c');
    expect(r.update.expressionValues).toEqual({ ':s': { SS: ['x'] }, ':r': { M: { n: { N: '1' } } }, ':c': { N: '-1' }, ':l': { L: [{ S: 'z' }] }, ':l_empty': { L: [] } });
    expect(ddb.query({ query: { pk: { eq: 'p' }, sk: { between: [1, 2] } } }).query.expression).toBe('#pk = :pk_eq AND #sk BETWEEN :sk_between_0 AND :sk_between_1');
  });

  it('batch put and delete, transact get, update and condition checks', () => {
    expect(ddb.batchPut({ tables: { T: [{ id: 'a', n: 1 }] } })).toEqual({ operation: 'BatchPutItem', tables: { T: [{ id: { S: 'a' }, n: { N: '1' } }] } });
    expect(ddb.batchDelete({ tables: { T: [{ id: 'a' }] } })).toEqual({ operation: 'BatchDeleteItem', tables: { T: [{ id: { S: 'a' } }] } });
    expect(ddb.transactGet({ items: [{ table: 'T', key: { id: 'a' }, projection: ['n'] }] })).toEqual({
      operation: 'TransactGetItems',
      transactItems: [{ table: 'T', key: { id: { S: 'a' } }, projection: { expression: '#n', expressionNames: { '#n': 'n' } } }],
    });
    const t = ddb.transactWrite({
      items: [
        { updateItem: { table: 'T', key: { id: 'a' }, update: { n: ddb.operations.increment(1) } } },
        { conditionCheck: { table: 'T', key: { id: 'b' }, condition: { id: { attributeExists: true } } } },
      ],
    });
    expect(t.transactItems).toEqual([
      { table: 'T', operation: 'UpdateItem', key: { id: { S: 'a' } }, update: { expression: 'ADD #n :n', expressionNames: { '#n': 'n' }, expressionValues: { ':n': { N: '1' } } } },
      {
        table: 'T',
        operation: 'ConditionCheck',
        key: { id: { S: 'b' } },
        condition: { expression: '(attribute_exists(#id))', expressionNames: { '#id': 'id' }, returnValuesOnConditionCheckFailure: true },
      },
    ]);
    expect(ddb.toNumberSet([1, 2])).toEqual({ NS: ['1', '2'] });
    expect(ddb.toBinarySet(['YQ=='])).toEqual({ BS: ['YQ=='] });
  });
});
