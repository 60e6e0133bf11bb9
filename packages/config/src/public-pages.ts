/** The public profile and album pages (`/u/{owner}`, `/` on an owner's custom domain). */
export const PUBLIC_PAGE_LIMITS = {
  /** Images per page of a profile's or an album's grid; older ones are a "More" link away. */
  imagesPerPage: 48,
  /** Albums listed on a profile, newest first. */
  albumsListed: 100,
  /** Albums listed in one owner's `sitemap.xml` (besides the profile itself). */
  sitemapAlbums: 1000,
  /** Profile sitemaps one page of the product's sitemap index lists: the protocol's limit per file. */
  sitemapIndexEntries: 50_000,
  /** Browsers and shared caches keep a page this long; it changes when the owner edits their profile or albums. */
  cacheSeconds: 300,
} as const;
