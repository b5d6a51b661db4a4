import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from './create-app.ts';

const STAGES = {
  staging: { account: '111111111111', region: 'eu-west-1', tags: { owner: 'team-sync' }, settings: { alarmEmails: 'staging-ops@example.com' } },
  prod: {
    account: '222222222222',
    region: 'eu-central-1',
    production: true,
    tags: { owner: 'team-sync', 'cost-center': 'cc-42' },
    settings: { backupCopyVaultArn: 'arn:aws:backup:eu-west-1:333333333333:backup-vault:copies' },
  },
};
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** `cdk synth -c stage=<name>` with the stages in the context, cdk-nag on, as the CLI runs it. */
async function synthStage(stage: string) {
  const outdir = mkdtempSync(join(tmpdir(), 'craft-sync-stage-'));
  dirs.push(outdir);
  const { app, stack } = await createApp({ appProps: { outdir, builtinCloudFormationValidation: false, context: { stage, stages: STAGES } } });
  app.synth();
  return { stack, template: Template.fromStack(stack) };
}

describe('stages', () => {
  it('synthesizes two stages from configuration: explicit env, tags, termination protection for production only, cdk-nag clean', async () => {
    const staging = await synthStage('staging');
    const prod = await synthStage('prod');
    expect([staging.stack.stackName, staging.stack.account, staging.stack.region, staging.stack.terminationProtection]).toEqual(['CraftSync-staging', '111111111111', 'eu-west-1', false]);
    expect([prod.stack.stackName, prod.stack.account, prod.stack.region, prod.stack.terminationProtection]).toEqual(['CraftSync-prod', '222222222222', 'eu-central-1', true]);
    for (const [s, region, other] of [
      [staging, 'eu-west-1', 'eu-central-1'],
      [prod, 'eu-central-1', 'eu-west-1'],
    ] as const) {
      const json = JSON.stringify(s.template.toJSON());
      // No CLI fallback region anywhere (the AppSync data source and user pool configs used to carry us-east-1).
      expect(json).not.toContain('us-east-1');
      expect(json).toContain(region);
      expect(JSON.stringify(s.template.findResources('AWS::AppSync::DataSource'))).not.toContain(other);
    }
    const tags = (s: typeof prod) =>
      Object.fromEntries((Object.values(s.template.findResources('AWS::DynamoDB::Table'))[0]!.Properties.Tags as Array<{ Key: string; Value: string }>).map((t) => [t.Key, t.Value]));
    expect(tags(staging)).toEqual({ app: 'craft-sync', stage: 'staging', owner: 'team-sync' });
    expect(tags(prod)).toEqual({ app: 'craft-sync', stage: 'prod', owner: 'team-sync', 'cost-center': 'cc-42' });
    // Each stage's own settings.
    staging.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'staging-ops@example.com' });
    expect(JSON.stringify(prod.template.findResources('AWS::Backup::BackupPlan'))).toContain('333333333333');
    expect(JSON.stringify(staging.template.findResources('AWS::Backup::BackupPlan'))).not.toContain('333333333333');
  });

  it('refuses a stage that is not configured, naming the ones that are', async () => {
    await expect(createApp({ appProps: { context: { stage: 'qa', stages: STAGES } } })).rejects.toThrow(/stage "qa" is not in the context's stages \(staging, prod\)/);
  });
});
