import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Pure functions, but the suite also runs on a loaded 2-core machine beside other packages' builds:
    // a generous ceiling instead of vitest's 5 s default.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
