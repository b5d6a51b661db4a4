import { describe, expect, it } from 'vitest';
import * as srp from './srp.ts';

describe('SRP helpers', () => {
  it("pads hex as Java's BigInteger.toByteArray does", () => {
    expect(srp.pad(0x14n)).toBe('14');
    expect(srp.pad(0xecn)).toBe('00ec');
    expect(srp.pad(0x1abn)).toBe('01ab');
    expect(srp.pad(srp.N).startsWith('00ffffffff')).toBe(true);
  });

  it('uses k = H(pad(N) | pad(g)) of the 3072-bit group', () => {
    expect(srp.N.toString(2)).toHaveLength(3072);
    expect(srp.k.toString(16)).toBe('538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6');
  });

  it("formats and parses Cognito's TIMESTAMP (day not zero-padded) and refuses other shapes", () => {
    const ms = Date.UTC(2026, 11, 3, 9, 5, 7);
    expect(srp.formatTimestamp(ms)).toBe('Thu Dec 3 09:05:07 UTC 2026');
    expect(srp.parseTimestamp('Thu Dec 3 09:05:07 UTC 2026')).toBe(ms);
    for (const bad of ['Thu Dec 03 09:05:07 UTC 2026', 'Fri Dec 3 09:05:07 UTC 2026', 'Thu Dec 3 9:05:07 UTC 2026', 'Thu Feb 30 09:05:07 UTC 2026', '2026-12-03T09:05:07Z']) {
      expect(srp.parseTimestamp(bad)).toBeUndefined();
    }
  });

  it("a verifier matches its password only, and the server key agrees with the client's claim", () => {
    const v = srp.createVerifier('AbC123', 'user-1', 'Passw0rd!');
    expect(srp.passwordMatches(v, 'AbC123', 'user-1', 'Passw0rd!')).toBe(true);
    expect(srp.passwordMatches(v, 'AbC123', 'user-1', 'Passw0rd?')).toBe(false);
    expect(srp.passwordMatches(v, 'Other', 'user-1', 'Passw0rd!')).toBe(false);
    const a = srp.clientEphemeral();
    const eph = srp.serverEphemeral(v.verifier);
    const block = Buffer.from('secret block').toString('base64');
    const ts = srp.formatTimestamp(Date.UTC(2026, 0, 1));
    const claim = (password: string) => srp.clientClaim({ a, poolName: 'AbC123', username: 'user-1', password, salt: v.salt, srpB: eph.B.toString(16), secretBlock: block, timestamp: ts });
    const key = srp.passwordAuthenticationKey(a.A, eph, v.verifier)!;
    const expected = srp.claimSignature(key, 'AbC123', 'user-1', Buffer.from(block, 'base64'), ts);
    expect(srp.signaturesEqual(expected, claim('Passw0rd!'))).toBe(true);
    expect(srp.signaturesEqual(expected, claim('Passw0rd?'))).toBe(false);
  });
});
