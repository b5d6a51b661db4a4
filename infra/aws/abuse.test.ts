import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../api.ts';
import { synthStack, type CfnProps, type Synthesized } from './testing.ts';

describe('abuse limits and the Lambda runtime', () => {
  let s: Synthesized;
  beforeAll(async () => {
    s = await synthStack(api);
  });
  afterAll(() => s.dispose());

  it('puts one regional WAF web ACL (rate per IP, AWS managed rule groups) in front of AppSync and the user pool', () => {
    const acls = Object.entries(s.resources('AWS::WAFv2::WebACL'));
    expect(acls).toHaveLength(1);
    const [aclId, acl] = acls[0]!;
    expect(acl.Properties.Scope).toBe('REGIONAL');
    const rules = acl.Properties.Rules as CfnProps[];
    expect(rules[0]).toMatchObject({ Name: 'rate-per-ip', Action: { Block: {} }, Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP' } } });
    expect(rules.slice(1).map((r) => r.Statement.ManagedRuleGroupStatement)).toEqual([
      { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' },
      { VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' },
      { VendorName: 'AWS', Name: 'AWSManagedRulesAmazonIpReputationList' },
    ]);
    const apiId = Object.keys(s.resources('AWS::AppSync::GraphQLApi'))[0];
    const poolId = Object.keys(s.resources('AWS::Cognito::UserPool'))[0];
    const associated = Object.values(s.resources('AWS::WAFv2::WebACLAssociation')).map((a) => {
      expect(a.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
      return a.Properties.ResourceArn;
    });
    expect(associated).toEqual([{ 'Fn::GetAtt': [apiId, 'Arn'] }, { 'Fn::GetAtt': [poolId, 'Arn'] }]);
  });

  it('limits query depth and resolver count on the API', () => {
    s.template.hasResourceProperties('AWS::AppSync::GraphQLApi', { QueryDepthLimit: 10, ResolverCountLimit: 1000 });
  });

  it("runs every function on ARM64 with the AWS SDK bundled into its code (not the runtime's)", () => {
    const fns = Object.values(s.resources('AWS::Lambda::Function'));
    expect(fns.length).toBeGreaterThan(0);
    for (const fn of fns) expect(fn.Properties.Architectures).toEqual(['arm64']);
    // The bundles themselves (staged in the cloud assembly): no @aws-sdk import is left for the runtime to satisfy.
    for (const [id, fn] of Object.entries(s.resources('AWS::Lambda::Function'))) {
      const hash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
      const bundle = readFileSync(join(s.app.outdir, `asset.${hash}`, 'index.mjs'), 'utf8');
      expect(bundle.length, id).toBeGreaterThan(50_000);
      // Only the SDK's optional SigV4a signers (multi-region access points) may stay unresolved; it names them in messages too.
      const external = [...bundle.matchAll(/(?:from\s*|import\(\s*|require\(\s*)["'](@aws-sdk\/[^"']+)/g)].map((m) => m[1]);
      expect(
        external.filter((m) => !['@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a'].includes(m!)),
        id,
      ).toEqual([]);
      expect(bundle, id).toMatch(/aws-sdk-js/);
    }
  });
});
