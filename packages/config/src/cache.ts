/** Cache lifetimes (seconds). */
export const CACHE_TTL = {
  /** Public CDN answers: a variant at a URL never changes. */
  cdnPublic: 60 * 60 * 24 * 365,
  /** Private images behind a signed URL: browsers only. */
  cdnPrivate: 60 * 60,
  /** Image metadata resolved by path or short id. */
  imageLookup: 60 * 5,
  /** Usage counts for quota checks. */
  usageCount: 60 * 5,
  /** Access JWKS. */
  accessJwks: 60 * 60,
} as const;

export const CACHE_CONTROL = {
  cdnPublic: `public, max-age=${CACHE_TTL.cdnPublic}, immutable`,
  cdnPrivate: `private, max-age=${CACHE_TTL.cdnPrivate}`,
  api: 'no-store',
} as const;
