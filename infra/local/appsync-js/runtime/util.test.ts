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
const { util, extensions, runtime } = createRuntimeApi(host, () => state, () => NOW);

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
        { filters: [{ fieldName: 'owner', operator: 'eq', value: 'u1' }, { fieldName: 'kind', operator: 'eq', value: 'a' }] },
        { filters: [{ fieldName: 'owner', operator: 'eq', value: 'u1' }, { fieldName: 'size', operator: 'gt', value: 3 }] },
      ],
    });
    expect(toSubscriptionFilter({ or: [{ a: { eq: 1 } }, { b: { ne: 2 } }] }).filterGroup).toHaveLength(2);
  });
});

describe('@aws-appsync/utils/dynamodb', () => {
  it('get and put', () => {
    expect(ddb.get({ key: { id: 'a' }, consistentRead: true, projection: ['id', 'meta.size'] })).toEqual({
      operation: 'GetItem', key: { id: { S: 'a' } }, consistentRead: true,
      projection: { expression: '#id, #meta.#size', expressionNames: { '#id': 'id', '#meta': 'meta', '#size': 'size' } },
    });
    expect(ddb.put({ key: { id: 'a' }, item: { tags: ddb.toStringSet(['x']), n: 1 }, condition: { id: { attributeExists: false } } })).toEqual({
      operation: 'PutItem', key: { id: { S: 'a' } }, attributeValues: { tags: { SS: ['x'] }, n: { N: '1' } },
      condition: { expression: '(attribute_not_exists(#id))', expressionNames: { '#id': 'id' } },
    });
  });

  it('update with operations', () => {
    const r = ddb.update({
      key: { id: 'a' },
      update: { title: 't', count: ddb.operations.increment(2), old: ddb.operations.remove(), list: ddb.operations.append([1]), meta: { size: 3 }, items: [ddb.operations.updateListItem('z', 0)] },
    });
    expect(r.update.expression).toBe('SET #title = :title, #list = list_append(if_not_exists(#list, :list_empty), :list), #meta.#size = :meta_size, #items[0] = :items_0 ADD #count :count REMOVE #old');
    expect(r.update.expressionValues).toMatchObject({ ':title': { S: 't' }, ':count': { N: '2' }, ':list': { L: [{ N: '1' }] }, ':meta_size': { N: '3' }, ':items_0': { S: 'z' } });
  });

  it('query, scan and transactions', () => {
    expect(ddb.query({ query: { pk: { eq: 'p' }, sk: { beginsWith: 'F#' } }, index: 'byX', limit: 5, scanIndexForward: false, filter: { deleted: { ne: true } } })).toEqual({
      operation: 'Query',
      query: { expression: '#pk = :pk_eq AND begins_with(#sk, :sk_beginsWith)', expressionNames: { '#pk': 'pk', '#sk': 'sk' }, expressionValues: { ':pk_eq': { S: 'p' }, ':sk_beginsWith': { S: 'F#' } } },
      index: 'byX', limit: 5, scanIndexForward: false,
      filter: { expression: '(#deleted <> :deleted_ne)', expressionNames: { '#deleted': 'deleted' }, expressionValues: { ':deleted_ne': { BOOL: true } } },
    });
    expect(ddb.scan({ limit: 2 })).toEqual({ operation: 'Scan', limit: 2 });
    const t = ddb.transactWrite({ items: [{ putItem: { table: 'T', key: { id: 'a' }, item: { v: 1 }, condition: { id: { attributeExists: false } } } }, { deleteItem: { table: 'T', key: { id: 'b' } } }] });
    expect(t.transactItems).toEqual([
      { table: 'T', operation: 'PutItem', key: { id: { S: 'a' } }, attributeValues: { v: { N: '1' } }, condition: { expression: '(attribute_not_exists(#id))', expressionNames: { '#id': 'id' }, returnValuesOnConditionCheckFailure: true } },
      { table: 'T', operation: 'DeleteItem', key: { id: { S: 'b' } } },
    ]);
    expect(ddb.batchGet({ tables: { T: { keys: [{ id: 'a' }] } } })).toEqual({ operation: 'BatchGetItem', tables: { T: { keys: [{ id: { S: 'a' } }] } } });
  });
});
