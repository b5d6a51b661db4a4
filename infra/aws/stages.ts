import { Tags, type App, type Stack } from 'aws-cdk-lib';

/**
 * A deployment stage from the app's context `stages` (cdk.json or `-c stages='{...}'`), chosen with
 * `-c stage=<name>`: its account and region are explicit (no CLI fallback region in the template),
 * production stages get termination protection, every resource is tagged, and `settings` override
 * the app's context keys for that stage (alarmEmails, sesFromEmail, backupCopyVaultArn, ...).
 */
export interface StageConfig {
  account: string;
  region: string;
  production?: boolean;
  tags?: Record<string, string>;
  settings?: Record<string, string>;
}

export class StageError extends Error {
  override readonly name = 'StageError';
}

export function stageConfig(app: App): { name: string; config: StageConfig } | undefined {
  const name: unknown = app.node.tryGetContext('stage');
  if (name === undefined) return undefined;
  const raw: unknown = app.node.tryGetContext('stages');
  const stages = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, StageConfig> | undefined;
  const config = stages?.[String(name)];
  if (!config) throw new StageError(`stage "${String(name)}" is not in the context's stages (${Object.keys(stages ?? {}).join(', ') || 'none declared'}); see infra/aws/README.md "Stages"`);
  if (!/^\d{12}$/.test(config.account) || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(config.region)) {
    throw new StageError(`stage "${String(name)}" needs a 12-digit account and a region like eu-west-1 (got ${config.account} / ${config.region})`);
  }
  return { name: String(name), config };
}

/** Tags every resource of the stack with the app, the stage and the stage's own tags. */
export function tagStage(stack: Stack, name: string, config: StageConfig): void {
  Tags.of(stack).add('app', 'craft-sync');
  Tags.of(stack).add('stage', name);
  for (const [k, v] of Object.entries(config.tags ?? {})) Tags.of(stack).add(k, v);
}
