/**
 * Which stream records become FileChanged events, and what the events carry.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { api } from '../../../infra/api.ts';
import { matches } from '../../../infra/local/services/event-pattern.ts';
import { buildDetail, carriesAudience, chunks, DETAIL_TYPE, newChanges, SOURCE, toEntry, type StreamRecord } from './events.ts';

const change = (fileId: string, version: number, extra: Record<string, unknown> = {}) => ({
  pk: `FILE#${fileId}`,
  sk: `V#${String(version).padStart(10, '0')}`,
  fileId,
  version,
  op: version === 1 ? 'INSERT' : 'MODIFY',
  author: 'sub-alice',
  at: '2026-11-27T02:00:00.000Z',
  name: 'notes.txt',
  contentType: 'text/plain',
  encoding: 'TEXT',
  size: 5,
  length: 5,
  sha256: 'a'.repeat(64),
  patch: '{"v":1}',
  content: 'hello',
  requestId: 'r1',
  deleted: false,
  expiresAt: 1_900_000_000,
  ...extra,
});

const record = (eventName: string, item: Record<string, unknown>, withImage = true): StreamRecord => ({
  eventName,
  dynamodb: {
    Keys: marshall({ pk: item.pk, sk: item.sk }),
    ...(withImage ? { NewImage: marshall(item, { removeUndefinedValues: true }) } : {}),
  },
});

describe('newChanges', () => {
  it('keeps only inserted change records, in stream order', () => {
    const head = { pk: 'FILE#f1', sk: 'HEAD', version: 2 };
    const acl = { pk: 'FILE#f1', sk: 'ACL#sub-bob', member: 'sub-bob', role: 'EDITOR' };
    const req = { pk: 'FILE#f1', sk: 'REQ#r1', version: 2 };
    const picked = newChanges([
      record('INSERT', change('f1', 1)),
      record('MODIFY', head),
      record('INSERT', acl),
      record('INSERT', req),
      record('INSERT', change('f1', 2)),
      // A TTL expiry of a change record is a REMOVE: never published again.
      { eventName: 'REMOVE', dynamodb: { Keys: marshall({ pk: 'FILE#f1', sk: 'V#0000000001' }) } },
      // Change records are never modified, but a MODIFY would not be a new change.
      record('MODIFY', change('f1', 2)),
      record('INSERT', change('f2', 1)),
    ]);
    expect(picked.map((c) => `${String(c.fileId)}:${String(c.version)}`)).toEqual(['f1:1', 'f1:2', 'f2:1']);
  });

  it("skips an INSERT without a new image (a KEYS_ONLY stream) and other tables' keys", () => {
    expect(newChanges([record('INSERT', change('f1', 1), false), record('INSERT', { pk: 'USER#x', sk: 'V#0000000001' })])).toEqual([]);
  });
});

describe('buildDetail', () => {
  const state = {
    head: { pk: 'FILE#f1', sk: 'HEAD', owner: 'sub-alice', version: 3 },
    acl: [
      { sk: 'ACL#sub-carol', member: 'sub-carol', role: 'VIEWER' },
      { sk: 'ACL#sub-alice', member: 'sub-alice', role: 'OWNER' },
      { sk: 'ACL#sub-dave', member: 'sub-dave', role: 'REVOKED' },
      { sk: 'ACL#sub-bob', member: 'sub-bob', role: 'EDITOR' },
    ],
  };

  it('carries what a recipient needs, the active members sorted, and a dedupe key; no content', () => {
    const d = buildDetail(change('f1', 3, { author: 'sub-bob' }), state);
    expect(d).toEqual({
      changeId: 'f1:3',
      fileId: 'f1',
      version: 3,
      op: 'MODIFY',
      author: 'sub-bob',
      at: '2026-11-27T02:00:00.000Z',
      name: 'notes.txt',
      contentType: 'text/plain',
      encoding: 'TEXT',
      size: 5,
      sha256: 'a'.repeat(64),
      owner: 'sub-alice',
      members: ['sub-alice', 'sub-bob', 'sub-carol'],
      recipients: ['sub-alice', 'sub-carol'],
    });
    expect(JSON.stringify(d)).not.toContain('hello');
  });

  it('a DELETE still goes to the members who could see the file', () => {
    const d = buildDetail(change('f1', 4, { op: 'DELETE', deleted: true }), state);
    expect(d.op).toBe('DELETE');
    expect(d.members).toEqual(['sub-alice', 'sub-bob', 'sub-carol']);
  });

  it('recipients leave out the author and members who muted the file, but members still list them', () => {
    const muted = { ...state, acl: state.acl.map((m) => (m.member === 'sub-carol' ? { ...m, muted: true } : m)) };
    const d = buildDetail(change('f1', 5, { author: 'sub-alice' }), muted);
    expect(d.members).toEqual(['sub-alice', 'sub-bob', 'sub-carol']);
    expect(d.recipients).toEqual(['sub-bob']);
    const unmuted = { ...state, acl: state.acl.map((m) => (m.member === 'sub-carol' ? { ...m, muted: false } : m)) };
    expect(buildDetail(change('f1', 5, { author: 'sub-alice' }), unmuted).recipients).toEqual(['sub-bob', 'sub-carol']);
  });

  it('a change that carries its audience (commit time) is used as is, whatever the members are now', () => {
    const carried = change('f1', 6, { author: 'sub-bob', owner: 'sub-alice', members: ['sub-bob', 'sub-alice'], recipients: ['sub-alice'] });
    const d = buildDetail(carried, state);
    expect(d).toMatchObject({ owner: 'sub-alice', members: ['sub-alice', 'sub-bob'], recipients: ['sub-alice'] });
    expect(buildDetail(carried, { acl: [] })).toEqual(d);
  });

  it('a change that carries its members and who muted it: the recipients are the members but the muted and the author', () => {
    const carried = change('f1', 7, { author: 'sub-bob', owner: 'sub-alice', members: ['sub-carol', 'sub-bob', 'sub-alice', 'sub-dan'], muted: ['sub-dan'] });
    const d = buildDetail(carried, { acl: [] });
    expect(d).toMatchObject({ members: ['sub-alice', 'sub-bob', 'sub-carol', 'sub-dan'], recipients: ['sub-alice', 'sub-carol'] });
    expect(carriesAudience(carried)).toBe(true);
    expect(carriesAudience(change('f1', 8, { members: ['sub-alice'] }))).toBe(false);
  });

  it("a modify names who muted at commit time: the members are read now, the muted are the commit's", () => {
    const mod = change('f1', 9, { author: 'sub-alice', muted: [] });
    expect(carriesAudience(mod)).toBe(false);
    // sub-carol muted after this commit (the state read now says so): she still gets this change.
    const carolMutedSince = { ...state, acl: state.acl.map((m) => (m.member === 'sub-carol' ? { ...m, muted: true } : m)) };
    expect(buildDetail(mod, carolMutedSince).recipients).toEqual(['sub-bob', 'sub-carol']);
    expect(buildDetail(change('f1', 10, { author: 'sub-alice', muted: ['sub-bob'] }), state).recipients).toEqual(['sub-carol']);
  });

  it('owner falls back to the OWNER member item when the head is not readable', () => {
    expect(buildDetail(change('f1', 1), { acl: state.acl }).owner).toBe('sub-alice');
    expect(buildDetail(change('f1', 1), { acl: [] })).toMatchObject({ owner: null, members: [] });
  });

  it('refuses an op it does not know instead of publishing it', () => {
    expect(() => buildDetail(change('f1', 1, { op: 'RENAME' }), state)).toThrow(/unknown op RENAME/);
  });
});

describe('entries', () => {
  it('match the rules declared on the events bus, with the change time as event time', () => {
    const detail = buildDetail(change('f1', 1), { acl: [] });
    const entry = toEntry(detail, 'events');
    expect(entry).toMatchObject({ EventBusName: 'events', Source: SOURCE, DetailType: DETAIL_TYPE });
    expect(entry.Time?.toISOString()).toBe('2026-11-27T02:00:00.000Z');
    // A change without a usable time gets EventBridge's (the call's) rather than an invalid one.
    expect(toEntry({ ...detail, at: 'not a time' }, 'events')).not.toHaveProperty('Time');
    const event = { source: entry.Source, 'detail-type': entry.DetailType, detail: JSON.parse(entry.Detail) as unknown };
    const rules = Object.values(api.buses!.events!.rules!);
    expect(rules.length).toBeGreaterThanOrEqual(2);
    for (const rule of rules) expect(matches(rule.eventPattern, event)).toBe(true);
    expect(matches(rules[0]!.eventPattern, { ...event, source: 'other' })).toBe(false);
  });

  it('go out at most 10 per PutEvents call', () => {
    expect(chunks(Array.from({ length: 23 }, (_, i) => i)).map((c) => c.length)).toEqual([10, 10, 3]);
    expect(chunks([])).toEqual([]);
  });
});
