// ESLint 9 flat config. Resolver code (APPSYNC_JS) gets AWS's own rule set plus a ban on `throw`,
// which that plugin does not catch; everything else gets typescript-eslint's basics.
import appsync from '@aws-appsync/eslint-plugin';
import tseslint from 'typescript-eslint';

/** APPSYNC_JS code: every resolver and pipeline function, and the helpers they bundle. */
const resolverFiles = ['resolvers/**/*.ts'];
/** Not APPSYNC_JS: Lambda handlers (plain Node), tests and their harness, and generated types. */
const notResolverCode = ['resolvers/handlers/**', 'resolvers/testing/**', 'resolvers/**/*.test.ts', 'resolvers/generated/**'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'dist/**', 'client/dist/**', '**/generated/**', '.craft-sync/**'] },
  {
    files: ['**/*.ts'],
    ignores: resolverFiles,
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: resolverFiles,
    ignores: notResolverCode,
    ...appsync.configs.recommended,
    languageOptions: {
      ...appsync.configs.recommended.languageOptions,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      ...appsync.configs.recommended.rules,
      'no-restricted-syntax': ['error', { selector: 'ThrowStatement', message: 'throw is not supported in APPSYNC_JS; use util.error()' }],
    },
  },
  {
    files: ['resolvers/handlers/**/*.ts', 'resolvers/testing/**/*.ts', 'resolvers/**/*.test.ts'],
    extends: [tseslint.configs.recommended],
  },
);
