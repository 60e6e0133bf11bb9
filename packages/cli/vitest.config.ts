import { defineConfig } from 'vitest/config';

// The CLI as a person runs it: the bundled dist/pixelflare.js as a child process against the real local stack
// (wrangler dev with throwaway state, started once for the run by test/global-setup.ts), and a real S3 server
// (test/global-setup-s3.ts) for `import s3://`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts', 'test/global-setup-s3.ts'],
    fileParallelism: false,
    // Each test runs up to ~15 CLI processes against wrangler dev; on a loaded 2-core machine one request to
    // wrangler dev has taken 18 s (3 s usually).
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
