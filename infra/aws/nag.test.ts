import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDefinition } from '../wiring/types.ts';
import { api } from '../api.ts';
import { fixtureApi } from './fixtures/api.ts';
import { synthStack, type Synthesized } from './testing.ts';

interface Ack {
  path: string;
  id: string;
  reason: string;
}

/** Every acknowledgement in the tree: where, which rule (finding), and why. */
function acknowledgements(root: IConstruct): Ack[] {
  return root.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id: id.replace(/^annotation::/i, ''), reason }))),
    );
}

/** The same checks with every acknowledgement ignored: what the rules find on their own. */
class UnacknowledgedChecks extends AwsSolutionsChecks {}
(UnacknowledgedChecks.prototype as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;

describe.each([
  ['craft-sync', api],
  ['the fixture', fixtureApi],
] as Array<[string, ApiDefinition]>)('cdk-nag AwsSolutionsChecks on %s', (_name, def) => {
  let s: Synthesized;
  beforeAll(async () => {
    s = await synthStack(def);
  });
  afterAll(() => s.dispose());

  it('finds nothing unacknowledged', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(s.stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}: ${v.description}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('gives every acknowledgement a reason', () => {
    const acks = acknowledgements(s.stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(40);
    }
  });

  it('acknowledges only findings the rules really report there', () => {
    const raw = new UnacknowledgedChecks().validateScope(s.stack).violations;
    expect(raw.length).toBeGreaterThan(0);
    for (const ack of acknowledgements(s.stack)) {
      const hit = raw.some((v) => v.ruleName === ack.id && v.violatingResources.some((r) => r.constructPath === ack.path || (r.constructPath ?? '').startsWith(`${ack.path}/`)));
      expect(hit, `stale acknowledgement ${ack.id} at ${ack.path}`).toBe(true);
    }
  });
});
