import { defineConfig } from 'vitest/config';

// The S3-compatible endpoint as S3 tools use it: the official AWS SDK for JavaScript (@aws-sdk/client-s3 and its
// presigner), from Node, against the real local stack (wrangler dev, started once by s3-e2e/global-setup.ts).
// The endpoint's own logic is also tested inside workerd (src/routes/s3, src/services/s3).
export default defineConfig({
  test: {
    include: ['s3-e2e/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['s3-e2e/global-setup.ts'],
    fileParallelism: false,
    // wrangler dev on a loaded 2-core machine has taken 18 s for one request (see packages/cli).
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
