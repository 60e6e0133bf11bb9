// bench/fuzz's run of the shared fuzzers (transform and CDN query parsers), as packages/api/test/fuzz/vitest.bench.config.ts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/fuzz/**/*.fuzz.test.ts'],
    provide: { fuzzSeed: Number(process.env.FUZZ_SEED), fuzzScale: Number(process.env.FUZZ_SCALE) },
    testTimeout: 0,
  },
});
