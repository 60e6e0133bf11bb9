import {
  CORS_ALLOWED_HEADERS,
  CORS_EXPOSED_HEADERS,
  CORS_MAX_AGE_SECONDS,
  DEFAULT_CORS_ORIGINS,
  S3_CORS_EXPOSED_HEADERS,
  S3_CORS_METHODS,
} from '@pixelflare/config';
import type { Context } from 'hono';
import { cors as honoCors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { EnvVars } from '../lib/env';
import type { AppEnv } from '../lib/types';

/** Origins allowed to call the API from a browser with credentials (`CORS_ORIGINS`, or the local defaults). */
function corsAllowlist(config: EnvVars): readonly string[] {
  return config.CORS_ORIGINS.length > 0 ? config.CORS_ORIGINS : DEFAULT_CORS_ORIGINS;
}

/** Pages whose requests may carry the browser's session: the API's and dashboard's own origins and the CORS list. */
export function trustedOrigins(config: EnvVars): ReadonlySet<string> {
  const own = [config.PUBLIC_API_URL, config.PUBLIC_DASHBOARD_URL].flatMap((url) =>
    url ? [new URL(url).origin] : [],
  );
  return new Set([...own, ...corsAllowlist(config)]);
}

const SHARED_OPTIONS = {
  allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
  allowHeaders: [...CORS_ALLOWED_HEADERS],
  exposeHeaders: [...CORS_EXPOSED_HEADERS],
  maxAge: CORS_MAX_AGE_SECONDS,
};

type AllowedOrigin = '*' | ((origin: string, c: Context<AppEnv>) => string | null);

function corsFor(origin: AllowedOrigin, credentials: boolean) {
  const handler = honoCors({ ...SHARED_OPTIONS, origin, credentials });
  return createMiddleware<AppEnv>(async (c, next) => {
    // An OPTIONS without Access-Control-Request-Method is not a preflight (tus clients use it for discovery):
    // let the route answer it, and only add the origin header.
    if (c.req.method === 'OPTIONS' && !c.req.header('Access-Control-Request-Method')) {
      await next();
      const allowed = origin === '*' ? '*' : origin(c.req.header('Origin') ?? '', c);
      if (allowed) c.res.headers.set('Access-Control-Allow-Origin', allowed);
      return;
    }
    return handler(c, next);
  });
}

/** CORS for the API and sign-in: only allowlisted origins (`CORS_ORIGINS`) may call, with credentials. */
export const allowlistCors = corsFor(
  (origin, c) => (corsAllowlist(c.get('config')).includes(origin) ? origin : null),
  true,
);

/** CORS for the CDN: public answers are readable from any page (images are embedded on other sites). */
export const publicCors = corsFor('*', false);

/**
 * CORS for the S3 endpoint (`/s3`), for S3 clients in a browser: any origin, no credentials (every request carries
 * its own SigV4 signature, never a cookie), the headers a preflight asks for (an SDK's `x-amz-*`), and the ETag and
 * `x-amz-*` answers readable. A preflight is answered here, before any signature is asked for.
 */
export const s3Cors = honoCors({
  origin: '*',
  allowMethods: [...S3_CORS_METHODS],
  exposeHeaders: [...S3_CORS_EXPOSED_HEADERS],
  maxAge: CORS_MAX_AGE_SECONDS,
});
