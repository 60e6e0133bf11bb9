import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    // Each test runs wrangler (a Node process that takes seconds to start) several times on a loaded machine; a
    // ceiling like the API suite's, not a speed requirement (provision's first test runs ~20 wrangler commands).
    testTimeout: 300_000,
    hookTimeout: 60_000,
    // One file at a time: the dry run builds the dashboard, which is heavy on two cores.
    fileParallelism: false,
  },
});
