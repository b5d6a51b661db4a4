import { describe, expect, it } from 'vitest';
import { buildSchema, graphql } from 'graphql';
import { APPSYNC_PRELUDE } from './prelude.ts';
import { installAppSyncScalars, SCALAR_CHECKS } from './scalars.ts';

/** Every AppSync scalar with values AppSync accepts and values it refuses. */
const CASES: Record<string, { valid: unknown[]; invalid: unknown[] }> = {
  AWSDate: { valid: ['1970-01-01', '2024-02-29', '2024-02-29Z', '2024-02-29+05:30'], invalid: ['2023-02-29', '2024-13-01', '24-01-01', '2024-01-01T00:00:00Z', 20240101] },
  AWSTime: { valid: ['12:30', '12:30:45', '12:30:45.123', '12:30:45.123456789Z', '23:59:59-08:00'], invalid: ['24:00', '12:60', '12:30:61', '1230', 'noon', 1230] },
  AWSDateTime: {
    valid: ['1970-01-01T00:00:00Z', '2024-01-15T13:04:05.678Z', '2024-01-15T13:04:05+01:00', '2024-01-15T13:04Z'],
    invalid: ['2024-01-15T13:04:05', '2024-01-15', '2024-01-15 13:04:05Z', '2024-02-30T00:00:00Z', '2024-01-15T25:00:00Z', 1700000000],
  },
  AWSTimestamp: { valid: [0, 1700000000, -1], invalid: [1.5, '1700000000', 'x', null] },
  AWSEmail: { valid: ['a@b.co', 'first.last+tag@example.org'], invalid: ['a@b', '@b.co', 'a b@c.de', 'plain', 3] },
  AWSJSON: { valid: ['{"a":1}', '[1,2]', '"s"', '3', 'null'], invalid: ['{broken', "{'a':1}", ''] },
  AWSURL: {
    valid: ['https://example.com/x?y=1', 'ftp://host', 'mailto:example@example.com', 'https://h/p?next=//x'],
    invalid: ['example.com', 'https://', 'https:///path', 'https://h/a//b', 'http://a b', 7],
  },
  AWSPhone: { valid: ['+1 (555) 010-0199', '+442071838750', '555-0100'], invalid: ['phone', '+', '12', 5550100] },
  AWSIPAddress: { valid: ['127.0.0.1', '10.0.0.0/8', '::1', '2001:db8::/32'], invalid: ['256.0.0.1', '10.0.0.0/33', '::1/129', '1.2.3', 'localhost', 127001] },
};

describe('SCALAR_CHECKS', () => {
  it('covers every scalar AppSync defines', () => {
    expect(Object.keys(SCALAR_CHECKS).sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const [name, { valid, invalid }] of Object.entries(CASES)) {
    it(`${name}: accepts ${valid.length} valid and refuses ${invalid.length} invalid values`, () => {
      const check = SCALAR_CHECKS[name]!;
      expect(valid.filter((v) => check(v) !== null)).toEqual([]);
      expect(invalid.filter((v) => check(v) === null)).toEqual([]);
    });
  }
});

const schema = buildSchema(`${APPSYNC_PRELUDE}
type Query {
  date(v: AWSDate): AWSDate
  time(v: AWSTime): AWSTime
  dateTime(v: AWSDateTime): AWSDateTime
  ts(v: AWSTimestamp): AWSTimestamp
  email(v: AWSEmail): AWSEmail
  json(v: AWSJSON): AWSJSON
  jsonType(v: AWSJSON): String
  url(v: AWSURL): AWSURL
  phone(v: AWSPhone): AWSPhone
  ip(v: AWSIPAddress): AWSIPAddress
  badOut: AWSDateTime
}`);
installAppSyncScalars(schema);
const rootValue = {
  ...Object.fromEntries(['date', 'time', 'dateTime', 'ts', 'email', 'json', 'url', 'phone', 'ip'].map((f) => [f, ({ v }: { v: unknown }) => v])),
  jsonType: ({ v }: { v: unknown }) => (Array.isArray(v) ? 'list' : typeof v),
  badOut: () => 'yesterday',
};
const run = (source: string, variableValues?: Record<string, unknown>) => graphql({ schema, source, rootValue, variableValues });

describe('installAppSyncScalars', () => {
  it('accepts valid literals and variables and returns them', async () => {
    const r = await run(
      `query($t: AWSTimestamp, $ip: AWSIPAddress) { date(v: "2024-01-15") time(v: "10:00:00Z") dateTime(v: "2024-01-15T10:00:00Z") ts(v: $t) email(v: "a@b.co") url(v: "https://x.y") phone(v: "+15550100") ip(v: $ip) }`,
      { t: 1700000000, ip: '192.168.0.1' },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ date: '2024-01-15', time: '10:00:00Z', dateTime: '2024-01-15T10:00:00Z', ts: 1700000000, email: 'a@b.co', url: 'https://x.y', phone: '+15550100', ip: '192.168.0.1' });
  });

  it('hands AWSJSON to resolvers parsed, and serializes it back to a JSON string', async () => {
    const r = await run(`query($j: AWSJSON) { json(v: $j) jsonType(v: $j) }`, { j: '{"a":[1,2]}' });
    expect(r.data).toEqual({ json: '{"a":[1,2]}', jsonType: 'object' });
    const list = await run(`{ jsonType(v: "[1]") }`);
    expect(list.data).toEqual({ jsonType: 'list' });
  });

  it.each([
    ['AWSDate', `{ date(v: "2024-02-30") }`],
    ['AWSTime', `{ time(v: "25:00") }`],
    ['AWSDateTime', `{ dateTime(v: "2024-01-15") }`],
    ['AWSTimestamp', `{ ts(v: "1700000000") }`],
    ['AWSEmail', `{ email(v: "nope") }`],
    ['AWSJSON', `{ json(v: "{nope") }`],
    ['AWSJSON', `{ json(v: 3) }`],
    ['AWSURL', `{ url(v: "example.com") }`],
    ['AWSPhone', `{ phone(v: "call me") }`],
    ['AWSIPAddress', `{ ip(v: "999.1.1.1") }`],
  ])('refuses an invalid %s literal before any resolver runs', async (name, source) => {
    const r = await run(source);
    expect(r.data).toBeUndefined();
    expect(r.errors?.[0]?.message).toContain(name);
  });

  it.each([
    ['AWSDateTime', 'dateTime', '2024-01-15T10:00:00'],
    ['AWSTimestamp', 'ts', 1.5],
    ['AWSEmail', 'email', 'x@'],
    ['AWSURL', 'url', '/relative'],
    ['AWSPhone', 'phone', 'x'],
    ['AWSIPAddress', 'ip', '1.2.3.4/40'],
    ['AWSJSON', 'json', '{"a":'],
  ])('refuses an invalid %s variable', async (name, field, value) => {
    const r = await run(`query($v: ${name}) { ${field}(v: $v) }`, { v: value });
    expect(r.data).toBeUndefined();
    expect(r.errors?.[0]?.message).toContain(name);
  });

  it('reports a resolver returning an invalid value as a field error, not a crash', async () => {
    const r = await run(`{ badOut date(v: "2024-01-01") }`);
    expect(r.data).toEqual({ badOut: null, date: '2024-01-01' });
    expect(r.errors?.[0]?.message).toMatch(/not a valid AWSDateTime/);
  });
});
