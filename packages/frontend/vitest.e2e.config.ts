import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// End-to-end: one real stack (wrangler dev + vite dev) for the run, Chromium per file; files run one at a time.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromium);
if (!haveChromium)
  console.warn(
    `Skipping the dashboard's browser tests: no Chromium at ${chromium} (apt-get install -y chromium)`,
  );

export default defineConfig({
  test: {
    include: haveChromium ? ['e2e/**/*.test.ts'] : [],
    passWithNoTests: !haveChromium,
    globalSetup: haveChromium ? ['e2e/stack.ts'] : [],
    fileParallelism: false,
    testTimeout: 60_000,
    // A ceiling, not a speed requirement: a file that starts a stack of its own (sign-in, billing) does it in a
    // hook, and on a loaded 2-core machine migrations, seed, wrangler dev and vite dev can take minutes.
    hookTimeout: 300_000,
  },
});
