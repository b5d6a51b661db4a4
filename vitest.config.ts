import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['infra/**/*.test.ts', 'resolvers/**/*.test.ts', 'client/**/*.test.ts', 'test/**/*.test.ts'],
    // End-to-end suites start DynamoDB Local (a JVM) and other servers: keep parallelism modest on 2 cores.
    globalSetup: ['test/global-setup.ts'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
