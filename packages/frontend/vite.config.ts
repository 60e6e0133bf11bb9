import adapter from '@sveltejs/adapter-cloudflare';
import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vitest/config';

const apiTarget = process.env.PIXELFLARE_API_URL ?? 'http://127.0.0.1:8787';

export default defineConfig({
  plugins: [tailwindcss(), sveltekit({ adapter: adapter() })],
  server: {
    // In development the dashboard reaches the API through the same origin, as it does behind a route when
    // deployed, so the API's session cookie is first-party.
    proxy: {
      '/v1': apiTarget,
      '/auth': apiTarget,
      '/cdn': apiTarget,
      '/u/': apiTarget,
      '/s/': apiTarget,
      '/robots.txt': apiTarget,
      '/sitemap.xml': apiTarget,
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test-setup.ts'],
    // Unit tests only (the browser suite is vitest.e2e.config.ts). Generous, because the suite runs on a loaded
    // 2-core machine as well as an idle one: vitest's 5 s default is not a speed target.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
