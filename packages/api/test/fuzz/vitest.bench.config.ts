// bench/fuzz's run of the API fuzzers (kept beside them so its imports resolve from the API package): the API's own vitest config (workerd, real bindings), only the fuzz files,
// with the seed and scale bench/fuzz/run.mjs passes in FUZZ_SEED and FUZZ_SCALE, and no per-test timeout.
import apiConfig from '../../vitest.config.ts';

const config = apiConfig as { test?: Record<string, unknown> };
export default {
  ...config,
  test: {
    ...config.test,
    include: ['test/fuzz/**/*.fuzz.test.ts'],
    provide: { fuzzSeed: Number(process.env.FUZZ_SEED), fuzzScale: Number(process.env.FUZZ_SCALE) },
    testTimeout: 0,
    silent: true,
  },
};
