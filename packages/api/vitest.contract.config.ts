import { defineConfig } from 'vitest/config';

// The OpenAPI contract checked from outside the Worker, in Node: the document the routes generate, linted by
// Redocly's CLI and turned into types by openapi-typescript that a small client compiles against (tsc).
// The rest of the API's tests run inside workerd (vitest.config.ts).
export default defineConfig({
  test: {
    include: ['contract/**/*.test.ts'],
    environment: 'node',
    // Both tools start a Node process of their own; tsc took 65 s on a 2-core machine at load average 19.
    testTimeout: 300_000,
  },
});
