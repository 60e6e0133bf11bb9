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

/** CDN `Cache-Control` by kind of answer. */
export const CDN_CACHE_CONTROL = {
  /** Originals and presets: the bytes at a URL never change (replacing an image purges). */
  immutable: CACHE_CONTROL.cdnPublic,
  /** Query-string transforms: a day. */
  transform: 'public, max-age=86400',
  /** Unknown paths: five minutes, so a later upload appears soon. */
  notFound: 'public, max-age=300',
  /** Private images behind a signed URL. */
  private: CACHE_CONTROL.cdnPrivate,
} as const;

/**
 * Images purged per queue message. Each image is ~50 Cache API deletes (`purgeImageFromCdnCache`), and a consumer
 * invocation handles up to 5 messages (the variants queue's `max_batch_size`) within 1,000 subrequests: 3 images
 * keep a full batch near 750.
 */
export const ALBUM_PURGE_PAGE_SIZE = 3;
