/** Custom-domain verification through the domains queue. */
export const CUSTOM_DOMAIN_VERIFICATION = {
  /** Seconds between two polls of Cloudflare's custom hostname. */
  pollIntervalSeconds: 30,
  /** Polls before a pending domain is `timed_out` (40 × 30 s, about 20 minutes). */
  maxPolls: 40,
  /** Seconds to wait before retrying when Cloudflare answered 429 without a Retry-After. */
  rateLimitedRetrySeconds: 60,
} as const;

/** Host → owner lookups on the CDN's hot path. */
export const CUSTOM_DOMAIN_HOST_CACHE = {
  /** How long an isolate trusts what it read (KV or D1) before reading again. */
  isolateTtlMs: 30_000,
  /** Hosts an isolate remembers at most (the Host header is the client's: unknown ones are remembered too). */
  isolateMaxEntries: 10_000,
  /** KV entry lifetime (KV's minimum is 60 s); a change rewrites or deletes the entry at once. */
  kvTtlSeconds: 60 * 60,
} as const;

/** The states a custom domain moves through (see the custom-domains guide). */
export const CUSTOM_DOMAIN_STATUSES = ['pending', 'active', 'blocked', 'error', 'timed_out'] as const;
export type CustomDomainState = (typeof CUSTOM_DOMAIN_STATUSES)[number];

/** Hotlink protection: per-account referrer allowlist for CDN answers. */
export const HOTLINK_LIMITS = {
  /** Referrer hosts in one allowlist. */
  maxReferrers: 50,
  /** How long an isolate trusts a policy it read before reading again. */
  isolateTtlMs: 30_000,
  /** Owners' policies an isolate remembers at most. */
  isolateMaxEntries: 10_000,
  kvTtlSeconds: 60 * 60,
} as const;
