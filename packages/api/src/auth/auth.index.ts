import { Hono } from 'hono';
import type { AppEnv } from '../lib/types';

/**
 * `/auth/*`: sign-in. Which providers are configured is public so the dashboard can draw its buttons.
 * Auth.js, Cloudflare Access and session routes are added by the authentication work.
 */
export const authRouter = new Hono<AppEnv>().get('/providers', (c) => {
  const mode = c.get('config').AUTH_MODE;
  return c.json({ mode, providers: mode === 'none' ? [{ id: 'dev', name: 'Local development' }] : [] });
});
