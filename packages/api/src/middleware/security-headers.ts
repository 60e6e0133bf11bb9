import {
  CACHE_CONTROL,
  CSP_API,
  CSP_API_DOCS,
  CSP_CDN,
  CSP_CDN_SVG,
  SECURITY_HEADERS,
} from '@pixelflare/config';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../lib/types';

/** HSTS, nosniff, DENY framing, referrer policy, and a CSP chosen by area (API, API docs page, CDN). */
export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const path = c.req.path;
  const isSvg = c.res.headers.get('Content-Type')?.startsWith('image/svg+xml') === true;
  const cdnCsp = isSvg ? CSP_CDN_SVG : CSP_CDN;
  const csp = path === '/v1/docs' ? CSP_API_DOCS : path.startsWith('/cdn/') ? cdnCsp : CSP_API;
  c.res.headers.set('Content-Security-Policy', csp);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  if (path.startsWith('/v1/') && !c.res.headers.has('Cache-Control'))
    c.res.headers.set('Cache-Control', CACHE_CONTROL.api);
});
