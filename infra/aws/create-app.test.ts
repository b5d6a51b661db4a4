import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from './create-app.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const outdir = () => {
  const d = mkdtempSync(join(tmpdir(), 'craft-sync-cdk-'));
  dirs.push(d);
  return d;
};

describe('createApp (what `cdk synth` runs)', () => {
  it('builds craft-sync from infra/api.ts, reads its context, and synthesizes with cdk-nag passing', async () => {
    const { app, stack } = await createApp({
      appProps: {
        outdir: outdir(),
        builtinCloudFormationValidation: false,
        context: { stackName: 'CraftSyncDev', corsOrigins: 'https://a.example, https://b.example' },
      },
    });
    expect(stack.stackName).toBe('CraftSyncDev');
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedOrigins: ['https://a.example', 'https://b.example'] })] },
    });
    expect(() => app.synth()).not.toThrow();
  });

  it('fails synth on a finding nobody acknowledged', async () => {
    const { app, stack } = await createApp({ appProps: { outdir: outdir(), builtinCloudFormationValidation: false } });
    new Bucket(stack, 'Unsafe');
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });

  it('never phones home: cdk.json turns notices, CLI telemetry and version reporting off', () => {
    const cdk = JSON.parse(readFileSync('cdk.json', 'utf8')) as { app: string; notices: unknown; versionReporting: unknown; context: Record<string, unknown> };
    expect(cdk.app).toBe('npx tsx infra/aws/app.ts');
    expect(cdk.notices).toBe(false);
    expect(cdk.versionReporting).toBe(false);
    expect(cdk.context['cli-telemetry']).toBe(false);
  });
});
