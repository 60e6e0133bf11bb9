import {
  CORS_ALLOWED_HEADERS,
  CORS_EXPOSED_HEADERS,
  CORS_MAX_AGE_SECONDS,
  DEFAULT_CORS_ORIGINS,
} from '@pixelflare/config';
import { cors as honoCors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { EnvVars } from '../lib/env';
import type { AppEnv } from '../lib/types';

/** Origins allowed to call the API from a browser with credentials (`CORS_ORIGINS`, or the local defaults). */
export function corsAllowlist(config: EnvVars): readonly string[] {
  return config.CORS_ORIGINS.length > 0 ? config.CORS_ORIGINS : DEFAULT_CORS_ORIGINS;
}

/** Pages whose requests may carry the browser's session: the API's and dashboard's own origins and the CORS list. */
export function trustedOrigins(config: EnvVars): ReadonlySet<string> {
  const own = [config.PUBLIC_API_URL, config.PUBLIC_DASHBOARD_URL].flatMap((url) =>
    url ? [new URL(url).origin] : [],
  );
  return new Set([...own, ...corsAllowlist(config)]);
}

/**
 * CORS for the API: only allowlisted origins (`CORS_ORIGINS`) may call with credentials. Public CDN answers are
 * readable from anywhere, since images are embedded on other sites.
 */
export const cors = createMiddleware<AppEnv>(async (c, next) => {
  const isCdn = c.req.path.startsWith('/cdn/');
  const allowlist = corsAllowlist(c.get('config'));
  const handler = honoCors({
    origin: isCdn ? '*' : (origin) => (allowlist.includes(origin) ? origin : null),
    credentials: !isCdn,
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowHeaders: [...CORS_ALLOWED_HEADERS],
    exposeHeaders: [...CORS_EXPOSED_HEADERS],
    maxAge: CORS_MAX_AGE_SECONDS,
  });
  // An OPTIONS without Access-Control-Request-Method is not a preflight (tus clients use it for discovery):
  // let the route answer it, and only add the origin headers.
  if (c.req.method === 'OPTIONS' && !c.req.header('Access-Control-Request-Method')) {
    await next();
    const origin = c.req.header('Origin');
    if (isCdn) c.res.headers.set('Access-Control-Allow-Origin', '*');
    else if (origin && allowlist.includes(origin)) c.res.headers.set('Access-Control-Allow-Origin', origin);
    return;
  }
  return handler(c, next);
});
