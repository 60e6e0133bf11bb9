import { SIGNED_URL_PARAMS } from '@pixelflare/config';

/** Public CDN URLs, built the same way by the API (image resources), the dashboard (copy buttons) and docs. */
export interface CdnUrlBase {
  /** Origin that serves `/cdn` paths, e.g. `http://localhost:8787`. */
  origin: string;
  /** True when `origin` is a dedicated CDN hostname that serves without the `/cdn` prefix. */
  dedicatedHost?: boolean;
  /**
   * The owner whose custom domain `origin` is: it serves that owner's images without `/cdn/{owner}`
   * (`/{album}/{filename}`) and short ids without `/cdn` (`/i/{shortId}`).
   */
  customHostOwner?: string;
}

/** An image as a CDN URL names it: by its public path, or by its short id. */
export type CdnImageAddress =
  { kind: 'path'; owner: string; album: string; filename: string } | { kind: 'short'; shortId: string };

/**
 * The one spelling of a CDN path, whatever host serves it: `/cdn/{owner}/{album}/{filename}[/{variant}]` or
 * `/cdn/i/{shortId}[/{variant}]`, each segment percent-encoded, `original` left out. URLs are built from it,
 * signatures are computed over it and cache entries are stored and purged under it, so they agree byte for byte.
 */
export function canonicalCdnPath(address: CdnImageAddress, variant?: string): string {
  const segments =
    address.kind === 'short' ? ['i', address.shortId] : [address.owner, address.album, address.filename];
  if (variant && variant !== 'original') segments.push(variant);
  return `/cdn/${segments.map(encodeURIComponent).join('/')}`;
}

/**
 * The one spelling of a CDN query: every parameter but the signature's (`sig`, `exp`), sorted, percent-encoded,
 * so the order a client writes them in never matters to a signature or a cache entry.
 */
/**
 * Code-unit order: total and the same everywhere. `localeCompare` is neither: it depends on the runtime's locale
 * data and ties strings that differ (U+3027 HANGZHOU NUMERAL SEVEN and "7"), which left the order of such
 * parameters, and so signatures and cache keys, to the order the client wrote them in (found by bench/fuzz).
 * For the lowercase ASCII names of real transform parameters both orders agree, so no issued URL changes.
 */
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function canonicalCdnQuery(entries: Iterable<[string, string]>): string {
  return [...entries]
    .filter(([name]) => !(SIGNED_URL_PARAMS as readonly string[]).includes(name))
    .sort(([a, av], [b, bv]) => (a === b ? byCodeUnits(av, bv) : byCodeUnits(a, b)))
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
}

/** The URL `base` serves a canonical path at (a dedicated CDN hostname drops the `/cdn` prefix). */
export function cdnUrl(base: CdnUrlBase, canonicalPath: string, search?: URLSearchParams): string {
  const origin = base.origin.replace(/\/$/, '');
  const ownerPrefix = base.customHostOwner && `/cdn/${encodeURIComponent(base.customHostOwner)}/`;
  const path =
    ownerPrefix && canonicalPath.startsWith(ownerPrefix)
      ? canonicalPath.slice(ownerPrefix.length - 1)
      : base.dedicatedHost || base.customHostOwner
        ? canonicalPath.slice('/cdn'.length)
        : canonicalPath;
  const query = search?.toString();
  return `${origin}${path}${query ? `?${query}` : ''}`;
}

/**
 * The base an image's CDN URL was built on (`cdnUrl` undone), so a client given only that URL builds its presets
 * the same way the API does, on whichever host served it. Undefined when `url` is not that image's URL.
 */
export function cdnUrlBaseOf(url: string, image: CdnImageAddress): CdnUrlBase | undefined {
  const bare = url.split(/[?#]/, 1)[0]!;
  const path = canonicalCdnPath(image);
  if (bare.endsWith(path)) return { origin: bare.slice(0, -path.length) };
  const dedicated = path.slice('/cdn'.length);
  if (bare.endsWith(dedicated)) return { origin: bare.slice(0, -dedicated.length), dedicatedHost: true };
  if (image.kind === 'path') {
    const onCustomHost = cdnUrl({ origin: '', customHostOwner: image.owner }, path);
    if (bare.endsWith(onCustomHost))
      return { origin: bare.slice(0, -onCustomHost.length), customHostOwner: image.owner };
  }
  return undefined;
}

/** `/cdn/{owner}/{album}/{filename}[/{variant}]` */
export function cdnPathUrl(
  base: CdnUrlBase,
  owner: string,
  album: string,
  filename: string,
  variant?: string,
): string {
  return cdnUrl(base, canonicalCdnPath({ kind: 'path', owner, album, filename }, variant));
}

/** `/cdn/i/{shortId}[/{variant}]` */
export function cdnShortUrl(base: CdnUrlBase, shortId: string, variant?: string): string {
  return cdnUrl(base, canonicalCdnPath({ kind: 'short', shortId }, variant));
}

/** R2 key of an image's original: `{ownerId}/{album}/{imageId}/original.{ext}`. */
export function originalStorageKey(
  ownerId: string,
  album: string,
  imageId: string,
  extension: string,
): string {
  return `${ownerId}/${album}/${imageId}/original.${extension}`;
}

/** A share link's page: `{origin}/s/{token}` on the host that serves the API (`PUBLIC_API_URL`). */
export function shareLinkUrl(origin: string, token: string): string {
  return `${origin.replace(/\/$/, '')}/s/${encodeURIComponent(token)}`;
}
