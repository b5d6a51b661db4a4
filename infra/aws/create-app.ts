import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { ApiDefinition } from '../wiring/types.ts';
import { stageConfig, tagStage } from './stages.ts';
import { uploadLimitsFromContext } from './upload-limits.ts';
import { createCraftSyncStack, type CraftSyncStack, type CraftSyncStackProps } from './stack.ts';

export interface CreateAppOptions {
  appProps?: AppProps;
  /** Defaults to craft-sync's own definition, infra/api.ts. */
  definition?: ApiDefinition;
  /** Run cdk-nag's AwsSolutions pack at synth, failing on unacknowledged findings (default true). */
  nag?: boolean;
}

/**
 * The CDK app. Building it is async because resolver code is bundled first; `app.ts` awaits it
 * before `synth()`. Context: `stage` (a key of `stages`, stages.ts), `stackName` (default CraftSync,
 * or CraftSync-<stage>), `corsOrigins` (comma-separated), `requireMfa`, `threatProtection` (booleans),
 * `webhooks` (comma-separated HTTPS URLs for FileChanged), `alarmEmails`, `adoptTables` (JSON),
 * `backupCopyVaultArn`, `wafRatePerIp`, `maxUploadBytes` / `userQuotaBytes` / `uploadCommitDays`, `sesFromEmail`
 * and the other `ses*` keys (README).
 */
export async function createApp(opts: CreateAppOptions = {}): Promise<{ app: App; stack: CraftSyncStack }> {
  const app = new App(opts.appProps);
  if (opts.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const definition = opts.definition ?? (await import('../api.ts')).api;
  const stage = stageConfig(app);
  const context = (key: string): string | undefined => {
    const own = stage?.config.settings?.[key];
    if (own !== undefined) return own;
    const v: unknown = app.node.tryGetContext(key);
    return v === undefined ? undefined : String(v);
  };
  const cors = context('corsOrigins');
  const stack = await createCraftSyncStack(app, context('stackName') ?? (stage ? `CraftSync-${stage.name}` : 'CraftSync'), {
    definition,
    description: 'craft-sync: real-time file sync on AppSync, DynamoDB and S3',
    // A stage names its account and region; without one the stack is region-agnostic unless the
    // CLI resolved one (no credentials or look-ups are needed to synth).
    env: stage
      ? { account: stage.config.account, region: stage.config.region }
      : process.env.CDK_DEFAULT_REGION
        ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
        : undefined,
    terminationProtection: stage?.config.production ?? false,
    corsAllowedOrigins: cors
      ? cors
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean)
      : undefined,
    webhooks: context('webhooks')
      ?.split(',')
      .map((u) => u.trim())
      .filter(Boolean),
    requireMfa: context('requireMfa') === 'true',
    threatProtection: context('threatProtection') === 'true',
    alarmEmails: context('alarmEmails')
      ?.split(',')
      .map((e) => e.trim())
      .filter(Boolean),
    adoptTables: jsonContext(app, 'adoptTables') as CraftSyncStackProps['adoptTables'],
    backupCopyVaultArn: context('backupCopyVaultArn'),
    wafRatePerIp: context('wafRatePerIp') ? Number(context('wafRatePerIp')) : undefined,
    uploadLimits: uploadLimitsFromContext(context),
    ses: context('sesFromEmail')
      ? {
          fromEmail: context('sesFromEmail')!,
          fromName: context('sesFromName'),
          replyTo: context('sesReplyTo'),
          sesVerifiedDomain: context('sesVerifiedDomain'),
          sesRegion: context('sesRegion'),
          configurationSetName: context('sesConfigurationSet'),
        }
      : undefined,
  });
  if (stage) tagStage(stack, stage.name, stage.config);
  return { app, stack };
}

/** A context value holding JSON: given as an object (cdk.json) or a string (`-c key='{...}'`). */
function jsonContext(app: App, key: string): unknown {
  const v: unknown = app.node.tryGetContext(key);
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    throw new Error(`context ${key} is not JSON: ${v}`);
  }
}
