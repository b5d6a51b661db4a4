import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../api.ts';
import { synthStack, only, type Synthesized } from './testing.ts';
import { UploadLimitsError, uploadLimitsFromContext } from './upload-limits.ts';

describe('upload limits per deploy', () => {
  let s: Synthesized;
  beforeAll(async () => {
    s = await synthStack(api, { uploadLimits: { maxUploadBytes: 1_000_000, userQuotaBytes: 5_000_000, commitDays: 3 } });
  });
  afterAll(() => s.dispose());

  it("puts the deploy's object limit, quota and commit window in the API's environment (ctx.env)", () => {
    expect(only(s, 'AWS::AppSync::GraphQLApi').EnvironmentVariables).toMatchObject({
      MAX_UPLOAD_BYTES: '1000000',
      USER_QUOTA_BYTES: '5000000',
      UPLOAD_COMMIT_SECONDS: String(3 * 24 * 3600),
    });
  });

  it('reads the context keys, refusing what is not a whole number', () => {
    const ctx = (values: Record<string, string>) => (k: string) => values[k];
    expect(uploadLimitsFromContext(ctx({ maxUploadBytes: '10', uploadCommitDays: '1' }))).toEqual({ maxUploadBytes: 10, userQuotaBytes: undefined, commitDays: 1 });
    expect(() => uploadLimitsFromContext(ctx({ userQuotaBytes: '1e3x' }))).toThrow(UploadLimitsError);
    expect(() => uploadLimitsFromContext(ctx({ uploadCommitDays: '0' }))).toThrow(/uploadCommitDays must be an integer of at least 1/);
  });
});
