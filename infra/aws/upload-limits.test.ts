import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../api.ts';
import { synthStack, type CfnProps, type Synthesized } from './testing.ts';
import { UploadLimitsError, uploadLimitsFromContext } from './upload-limits.ts';

/** The one resource of a type matching `pick`. */
function only(s: Synthesized, type: string, pick: (p: CfnProps) => boolean = () => true): CfnProps {
  const all = Object.values(s.resources(type)).filter((r) => pick(r.Properties));
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0]!.Properties;
}

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

  it('expires uploads still tagged pending under uploads/ after the commit window (their noncurrent versions a day later); committed ones carry another tag', () => {
    const rules = only(s, 'AWS::S3::Bucket', (p) => p.LifecycleConfiguration !== undefined && JSON.stringify(p).includes('expire-superseded-snapshots')).LifecycleConfiguration.Rules as CfnProps[];
    expect(rules.find((r) => r.Id === 'expire-uncommitted-uploads')).toEqual({
      Id: 'expire-uncommitted-uploads',
      Status: 'Enabled',
      Prefix: 'uploads/',
      TagFilters: [{ Key: 'upload', Value: 'pending' }],
      ExpirationInDays: 3,
      NoncurrentVersionExpiration: { NoncurrentDays: 1 },
    });
  });

  it('reads the context keys, refusing what is not a whole number', () => {
    const ctx = (values: Record<string, string>) => (k: string) => values[k];
    expect(uploadLimitsFromContext(ctx({ maxUploadBytes: '10', uploadCommitDays: '1' }))).toEqual({ maxUploadBytes: 10, userQuotaBytes: undefined, commitDays: 1 });
    expect(() => uploadLimitsFromContext(ctx({ userQuotaBytes: '1e3x' }))).toThrow(UploadLimitsError);
    expect(() => uploadLimitsFromContext(ctx({ uploadCommitDays: '0' }))).toThrow(/uploadCommitDays must be an integer of at least 1/);
  });
});
