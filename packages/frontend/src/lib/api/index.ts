import { createApiClient } from '@pixelflare/client';

/** The dashboard's client: same origin (vite proxies /v1, /auth and /cdn in development; a route in production). */
export const api = createApiClient();
