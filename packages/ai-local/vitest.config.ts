import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Tesseract starts a worker thread and loads its model on the first request (about 2 s on a loaded 2-core machine).
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
