/** Public CDN URLs, built the same way by the API (image resources), the dashboard (copy buttons) and docs. */
export interface CdnUrlBase {
  /** Origin that serves `/cdn` paths, e.g. `http://localhost:8787`. */
  origin: string;
  /** True when `origin` is a dedicated CDN hostname that serves without the `/cdn` prefix. */
  dedicatedHost?: boolean;
}

const prefix = (base: CdnUrlBase) => `${base.origin.replace(/\/$/, '')}${base.dedicatedHost ? '' : '/cdn'}`;
const withVariant = (url: string, variant?: string) =>
  variant && variant !== 'original' ? `${url}/${encodeURIComponent(variant)}` : url;

/** `/cdn/{owner}/{album}/{filename}[/{variant}]` */
export function cdnPathUrl(
  base: CdnUrlBase,
  owner: string,
  album: string,
  filename: string,
  variant?: string,
): string {
  const path = [owner, album, filename].map(encodeURIComponent).join('/');
  return withVariant(`${prefix(base)}/${path}`, variant);
}

/** `/cdn/i/{shortId}[/{variant}]` */
export function cdnShortUrl(base: CdnUrlBase, shortId: string, variant?: string): string {
  return withVariant(`${prefix(base)}/i/${encodeURIComponent(shortId)}`, variant);
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
