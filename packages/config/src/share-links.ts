/** Share links (`/s/{token}`): limits, lifetimes and the password KDF's cost. */
export const SHARE_LINK_LIMITS = {
  /** Random bytes in a token (base64url in the URL): 144 bits, more than the 128 the link's secrecy needs. */
  tokenBytes: 18,
  /** The longest expiry a link may be given: one year. */
  maxExpirySeconds: 365 * 24 * 60 * 60,
  /** The shortest: one minute. */
  minExpirySeconds: 60,
  maxViews: 1_000_000,
  passwordMinLength: 4,
  passwordMaxLength: 256,
  /**
   * Lifetime of the signed image URLs on a shared page (shorter when the link expires sooner): long enough to
   * load the page and look at it, short enough that a copied image URL soon stops working.
   */
  imageUrlSeconds: 15 * 60,
  /** After the right password, the visitor's signed cookie opens the link for this long. */
  unlockSeconds: 10 * 60,
  /** Images shown on an album link's page, newest first. */
  albumImages: 120,
} as const;

/**
 * The password KDF: Argon2id (RFC 9106) with OWASP's minimum (19 MiB, 2 passes, 1 lane), in pure JS
 * (@noble/hashes) because workerd compiles no WebAssembly at run time. It costs about 0.3 s of CPU per hash
 * (measured in the sharing guide): inside a paid Worker's CPU limit, and the per-link and per-IP limits on
 * wrong passwords bound how often anyone can make the Worker hash. Stored hashes name their parameters, so these
 * can change without breaking existing links.
 */
export const SHARE_LINK_KDF = { memoryKiB: 19_456, passes: 2, parallelism: 1 } as const;

export const SHARE_LINK_STATES = ['active', 'expired', 'used_up', 'revoked'] as const;
export type ShareLinkState = (typeof SHARE_LINK_STATES)[number];
