import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    // Each test runs wrangler (a Node process that takes seconds to start) several times on a loaded machine.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // One file at a time: the dry run builds the dashboard, which is heavy on two cores.
    fileParallelism: false,
  },
});
