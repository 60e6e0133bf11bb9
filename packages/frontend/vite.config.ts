import type { ClientRequest } from 'node:http';
import adapter from '@sveltejs/adapter-cloudflare';
import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vitest/config';

const apiTarget = process.env.PIXELFLARE_API_URL ?? 'http://127.0.0.1:8787';
// Development only: until the API's local session sign-in lands, the dev proxy can act as a seeded user by adding
// their API key to requests that carry no credentials of their own (the e2e harness sets this to alice's key).
const devApiKey = process.env.PIXELFLARE_DEV_API_KEY;
const proxyTo = {
  target: apiTarget,
  configure(proxy: { on(event: 'proxyReq', listener: (request: ClientRequest) => void): void }) {
    if (!devApiKey) return;
    proxy.on('proxyReq', (request) => {
      if (!request.getHeader('authorization')) request.setHeader('authorization', `Bearer ${devApiKey}`);
    });
  },
};

export default defineConfig({
  plugins: [tailwindcss(), sveltekit({ adapter: adapter() })],
  server: {
    // In development the dashboard reaches the API through the same origin, as it does behind a route when deployed.
    proxy: { '/v1': proxyTo, '/auth': proxyTo, '/cdn': proxyTo },
  },
  test: { include: ['src/**/*.test.ts'] },
});
