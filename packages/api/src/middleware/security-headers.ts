import {
  CACHE_CONTROL,
  CSP_API,
  CSP_API_DOCS,
  CSP_CDN,
  CSP_CDN_SVG,
  CSP_PUBLIC_PAGE,
  CSP_SHARE_PAGE,
  SECURITY_HEADERS,
} from '@pixelflare/config';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../lib/types';

interface AreaHeaders {
  /** The area's Content-Security-Policy, unless a layer inside it already chose one (see apiDocsPolicy). */
  csp: (response: Response) => string;
  /** Set when the handler set none. */
  cacheControl?: string;
}

/** HSTS, nosniff, DENY framing and referrer policy on every answer of an area, and the area's CSP. */
function securityHeaders(area: AreaHeaders) {
  return createMiddleware<AppEnv>(async (c, next) => {
    await next();
    const headers = c.res.headers;
    if (!headers.has('Content-Security-Policy')) headers.set('Content-Security-Policy', area.csp(c.res));
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) headers.set(name, value);
    if (area.cacheControl && !headers.has('Cache-Control')) headers.set('Cache-Control', area.cacheControl);
  });
}

/** `/v1`: nothing to run or embed, and never cached. */
export const apiSecurityHeaders = securityHeaders({ csp: () => CSP_API, cacheControl: CACHE_CONTROL.api });

/** `/auth`: sign-in answers are JSON or redirects; Auth.js sets their caching itself. */
export const signInSecurityHeaders = securityHeaders({ csp: () => CSP_API });

/** `/cdn`: images may be shown, not scripted; an SVG is also sandboxed, so opening one directly runs nothing. */
export const cdnSecurityHeaders = securityHeaders({
  csp: (response) =>
    response.headers.get('Content-Type')?.startsWith('image/svg+xml') === true ? CSP_CDN_SVG : CSP_CDN,
});

/** `/u` and a custom domain's pages: server-rendered HTML that runs no script. */
export const publicPageSecurityHeaders = securityHeaders({ csp: () => CSP_PUBLIC_PAGE });

/** `/s`: share-link pages, whose password form posts back to them; answers are never stored anywhere. */
export const sharePageSecurityHeaders = securityHeaders({
  csp: () => CSP_SHARE_PAGE,
  cacheControl: 'no-store',
});

/** The API reference page (`/v1/docs`) runs Scalar's scripts: the one API answer whose CSP allows them. */
export const apiDocsPolicy = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  c.res.headers.set('Content-Security-Policy', CSP_API_DOCS);
});
