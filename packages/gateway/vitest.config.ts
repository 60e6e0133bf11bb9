import { defineConfig } from 'vitest/config';

// Node tests that start the gateway, the API Worker and the built dashboard together in one local workerd
// (wrangler's test harness, test/stack.ts). The dashboard is built first if it is not (test/build-dashboard.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/build-dashboard.ts'],
    // Sized for a loaded 2-core machine: starting workerd with three Workers bundled, and a 64 MiB body, are not
    // speed targets.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
