import { canonicalCdnPath, type CdnImageAddress } from '@pixelflare/shared';
import { getPath } from 'hono/utils/url';

/** The prefix a custom domain's page paths are routed under (see cdnAwarePath and routes/public). */
export const CUSTOM_SITE_PREFIX = '/site';

/** In a `u` regex a surrogate range matches only a surrogate without its pair. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export interface CdnRoute {
  ref: CdnImageAddress;
  /** The variant segment, absent for the original. */
  variant?: string;
  /** The path in its one canonical spelling (`/cdn/...`, `original` dropped), whatever the host. */
  canonicalPath: string;
}

/**
 * `/cdn/{owner}/{album}/{filename}[/{variant}]` and `/cdn/i/{shortId}[/{variant}]`. `path` is the request
 * path including the `/cdn` prefix (dedicated CDN hosts get it added before routing).
 */
export function parseCdnPath(path: string): CdnRoute | null {
  let segments: string[];
  try {
    segments = path
      .replace(/^\/cdn\//, '')
      .split('/')
      .map(decodeURIComponent);
  } catch {
    return null;
  }
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return null;
  const isShort = segments[0] === 'i';
  const base = isShort ? 2 : 3;
  if (segments.length !== base && segments.length !== base + 1) return null;
  const variant = segments.length > base && segments[base] !== 'original' ? segments[base] : undefined;
  // A lone surrogate (only a caller passing a decoded path can have one) has no canonical spelling.
  if (segments.some((segment) => LONE_SURROGATE.test(segment))) return null;
  const ref: CdnImageAddress = isShort
    ? { kind: 'short', shortId: segments[1]! }
    : { kind: 'path', owner: segments[0]!, album: segments[1]!, filename: segments[2]! };
  return { ref, variant, canonicalPath: canonicalCdnPath(ref, variant) };
}

/**
 * Hono's path for a request: on the dedicated CDN hostname (`CDN_HOSTNAME`) every path is a CDN path, so the
 * `/cdn` prefix is added and the rest of the app (middleware included) sees one spelling.
 */
export function cdnAwarePath(request: Request, options?: { env?: unknown }): string {
  const path = getPath(request);
  const env = options?.env as HostVars | undefined;
  const hostname = new URL(request.url).hostname;
  // On a custom domain every path of two or more segments is an image path, `/cdn/...` included (an album may be
  // called `cdn`); `/` and one segment are the owner's pages (profile, `/{album}`, robots.txt, sitemap.xml).
  if (env && isCustomHost(hostname, env)) {
    const segments = path.split('/').filter(Boolean).length;
    if (segments === 0) return CUSTOM_SITE_PREFIX;
    return segments === 1 ? `${CUSTOM_SITE_PREFIX}${path}` : `/cdn${path}`;
  }
  const cdnHost = env?.CDN_HOSTNAME;
  if (cdnHost && !path.startsWith('/cdn/') && hostname === cdnHost) return `/cdn${path}`;
  return path;
}

/** The raw variables the host checks read (Hono's getPath runs before the validated config exists). */
export interface HostVars {
  ENABLE_CUSTOM_DOMAINS?: string;
  PUBLIC_API_URL?: string;
  PUBLIC_DASHBOARD_URL?: string;
  CDN_HOSTNAME?: string;
}

const hostOf = (url: string | undefined) => {
  try {
    return url ? new URL(url).hostname : undefined;
  } catch {
    return undefined;
  }
};

/**
 * With custom domains on, any host that is not one of the product's own (the API's, the dashboard's, the CDN's),
 * nor an IP, localhost or a `*.workers.dev` preview, is a candidate custom domain: only its images are served there, by
 * `customHostSite`, and a host that is no active domain is a 404.
 */
export function isCustomHost(hostname: string, env: HostVars): boolean {
  if (env.ENABLE_CUSTOM_DOMAINS !== 'true') return false;
  // No custom domain is an IP, localhost or a workers.dev name (POST /v1/custom-domain refuses them).
  if (hostname.endsWith('.workers.dev') || hostname === 'localhost' || hostname.startsWith('[')) return false;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(hostname)) return false;
  const own = [hostOf(env.PUBLIC_API_URL), hostOf(env.PUBLIC_DASHBOARD_URL), env.CDN_HOSTNAME];
  return !own.includes(hostname);
}

/**
 * A custom-domain request's path as the `/cdn/...` path it stands for: `/i/{shortId}[/{variant}]` is the short
 * form; anything else is `/{album}/{filename}[/{variant}]` of the domain's owner. Still encoded, like rawCdnPath.
 */
export function customHostCdnPath(url: URL, ownerSlug: string): string {
  if (url.pathname.startsWith('/i/')) return `/cdn${url.pathname}`;
  return `/cdn/${encodeURIComponent(ownerSlug)}${url.pathname}`;
}

/** The still-encoded `/cdn/...` path of a request URL (Hono's path is already decoded once). */
export function rawCdnPath(url: URL): string {
  return url.pathname.startsWith('/cdn/') ? url.pathname : `/cdn${url.pathname}`;
}
