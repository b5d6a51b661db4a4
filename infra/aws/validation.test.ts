import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../api.ts';
import { synthStack, type Synthesized } from './testing.ts';

/** The one synth with CloudFormation's built-in template validation on (slow, so only here). */
describe('full synth', () => {
  let s: Synthesized;
  beforeAll(async () => {
    s = await synthStack(api, {}, { builtinCloudFormationValidation: true });
  });
  afterAll(() => s.dispose());

  it('passes CloudFormation validation and writes a cloud assembly', () => {
    const assembly = s.app.synth();
    const artifact = assembly.getStackByName(s.stack.stackName);
    expect(Object.keys(artifact.template.Resources as object).length).toBeGreaterThan(20);
    expect(assembly.manifest.missing ?? []).toEqual([]);
  });
});
