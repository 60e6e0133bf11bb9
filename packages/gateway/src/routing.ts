import type { GatewayConfig } from './env';

/** Where a request goes: the API Worker, the dashboard Worker, or nowhere (a host this gateway does not serve). */
export type Upstream = 'api' | 'dashboard' | 'unknown-host';

/**
 * What a hostname is to this deployment. With ENABLE_CUSTOM_DOMAINS any other host is a candidate `custom` domain,
 * routed like `cdn` (every path is an image path): the API knows which custom hosts are active (its host cache) and
 * answers 404 for the rest, so the gateway needs no lookup on the hot path. Cloudflare for SaaS only sends the zone's
 * registered custom hostnames here anyway.
 */
export type HostKind = 'public' | 'cdn' | 'custom';

export function hostKindOf(hostname: string, config: GatewayConfig): HostKind | null {
  if (hostname === config.PUBLIC_HOSTNAME) return 'public';
  if (config.CDN_HOSTNAME !== undefined && hostname === config.CDN_HOSTNAME) return 'cdn';
  if (config.ENABLE_CUSTOM_DOMAINS === 'true') return 'custom';
  return null;
}

/**
 * The API Worker's areas on the public hostname (`/u`: public profiles, `/s`: share-link pages); a prefix matches
 * whole segments (`/v1docs` is the dashboard's, and so are `/settings` and `/shared`).
 */
const API_PREFIXES = ['/v1', '/auth', '/cdn', '/u', '/s', '/s3'] as const;
/** The product's robots file and sitemap index (of every public profile's sitemap): the API Worker's too. */
const API_FILES = ['/robots.txt', '/sitemap.xml'] as const;

function isApiPath(pathname: string): boolean {
  if ((API_FILES as readonly string[]).includes(pathname)) return true;
  return API_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

/**
 * API or dashboard for a host and path. The CDN host is all API: it serves `/{owner}/...` as `/cdn/{owner}/...`; so
 * is a custom domain (`/{album}/...` of its owner).
 */
export function upstreamFor(kind: HostKind | null, pathname: string): Upstream {
  if (kind === null) return 'unknown-host';
  if (kind === 'cdn' || kind === 'custom') return 'api';
  return isApiPath(pathname) ? 'api' : 'dashboard';
}

/** One call for the fetch handler: the URL's host and path to an upstream. */
export function routeRequest(url: URL, config: GatewayConfig): Upstream {
  return upstreamFor(hostKindOf(url.hostname, config), url.pathname);
}
