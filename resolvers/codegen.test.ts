import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generate, loadCodegenConfig } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

describe('codegen', () => {
  it('the committed generated files are what `npm run codegen` produces', async () => {
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const { config } = await loadCodegenConfig({ configFilePath: resolve(root, 'codegen.yml') });
      const outputs = (await generate({ ...config, silent: true }, false)) as Array<{ filename: string; content: string }>;
      expect(outputs.map((o) => o.filename).sort()).toEqual(['client/generated/graphql.ts', 'resolvers/generated/graphql.ts']);
      for (const o of outputs) expect(readFileSync(resolve(root, o.filename), 'utf8'), o.filename).toBe(o.content);
    } finally {
      process.chdir(cwd);
    }
  });
});
