import { canonicalCdnPath, type CdnImageAddress } from '@pixelflare/shared';
import { getPath } from 'hono/utils/url';

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
  const cdnHost = (options?.env as { CDN_HOSTNAME?: string } | undefined)?.CDN_HOSTNAME;
  if (cdnHost && !path.startsWith('/cdn/') && new URL(request.url).hostname === cdnHost) return `/cdn${path}`;
  return path;
}

/** The still-encoded `/cdn/...` path of a request URL (Hono's path is already decoded once). */
export function rawCdnPath(url: URL): string {
  return url.pathname.startsWith('/cdn/') ? url.pathname : `/cdn${url.pathname}`;
}
