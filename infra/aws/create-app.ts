import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { ApiDefinition } from '../wiring/types.ts';
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
 * before `synth()`. Context: `stackName` (default CraftSync), `corsOrigins` (comma-separated),
 * `requireMfa`, `threatProtection` (booleans), `webhooks` (comma-separated HTTPS URLs for FileChanged).
 */
export async function createApp(opts: CreateAppOptions = {}): Promise<{ app: App; stack: CraftSyncStack }> {
  const app = new App(opts.appProps);
  if (opts.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const definition = opts.definition ?? (await import('../api.ts')).api;
  const context = (key: string): string | undefined => {
    const v: unknown = app.node.tryGetContext(key);
    return v === undefined ? undefined : String(v);
  };
  const cors = context('corsOrigins');
  const stack = await createCraftSyncStack(app, context('stackName') ?? 'CraftSync', {
    definition,
    description: 'craft-sync: real-time file sync on AppSync, DynamoDB and S3',
    // Region-agnostic unless the CLI resolved one; no credentials or look-ups are needed to synth.
    env: process.env.CDK_DEFAULT_REGION
      ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
      : undefined,
    corsAllowedOrigins: cors ? cors.split(',').map((o) => o.trim()).filter(Boolean) : undefined,
    webhooks: context('webhooks')?.split(',').map((u) => u.trim()).filter(Boolean),
    requireMfa: context('requireMfa') === 'true',
    threatProtection: context('threatProtection') === 'true',
    alarmEmails: context('alarmEmails')?.split(',').map((e) => e.trim()).filter(Boolean),
    adoptTables: jsonContext(app, 'adoptTables') as CraftSyncStackProps['adoptTables'],
    backupCopyVaultArn: context('backupCopyVaultArn'),
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
