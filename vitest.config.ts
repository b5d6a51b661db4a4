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
    // expect.poll waits on real servers and browsers: 1 s (vitest's default) is too short on a loaded 2-core machine.
    expect: { poll: { timeout: 15_000, interval: 50 } },
  },
});
