import { defineConfig } from 'vitest/config';

// End-to-end: one real stack (wrangler dev + vite dev) for the run, Chromium per file; files run one at a time.
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    globalSetup: ['e2e/stack.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
