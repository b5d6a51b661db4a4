/** Shared by the infra/aws tests: one synthesized stack per definition, without the slow checks. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { ApiDefinition } from '../wiring/types.ts';
import { createCraftSyncStack, type CraftSyncStack, type CreateCraftSyncStackProps } from './stack.ts';

/** A resource's properties: template JSON, untyped by nature. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions walk arbitrary template JSON
export type CfnProps = Record<string, any>;

export interface Synthesized {
  app: App;
  stack: CraftSyncStack;
  template: Template;
  /** Resources of one CloudFormation type, by logical id. */
  resources(type: string): Record<string, { Properties: CfnProps }>;
  /** Removes the cloud assembly (bundled Lambda assets) from disk. */
  dispose(): void;
}

export async function synthStack(definition: ApiDefinition, props: Partial<Omit<CreateCraftSyncStackProps, 'definition'>> = {}, appProps: AppProps = {}): Promise<Synthesized> {
  const outdir = mkdtempSync(join(tmpdir(), 'craft-sync-cdk-'));
  // CloudFormation's own template validation runs once, in validation.test.ts.
  const app = new App({ builtinCloudFormationValidation: false, outdir, ...appProps });
  const stack = await createCraftSyncStack(app, 'Test', { definition, ...props });
  const template = Template.fromStack(stack);
  return {
    app,
    stack,
    template,
    resources: (type) => template.findResources(type) as never,
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** The single resource of a type (throws when there are several). */
export function only(s: Synthesized, type: string): CfnProps {
  const all = Object.values(s.resources(type));
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0]!.Properties;
}
