/** Token-bucket limits: `capacity` tokens refilled evenly over `windowSeconds`. */
export interface RateLimitRule {
  readonly capacity: number;
  readonly windowSeconds: number;
}

export const RATE_LIMITS = {
  anonymous: { capacity: 60, windowSeconds: 60 },
  authenticated: { capacity: 600, windowSeconds: 60 },
  uploads: { capacity: 60, windowSeconds: 60 },
  cdnTransforms: { capacity: 1000, windowSeconds: 60 },
  /**
   * `/s3` requests per access key (times the plan's multiplier), like the API's authenticated bucket: an S3 client
   * (rclone, a sync) sends many small requests. Refused with S3's `SlowDown` (503), which SDKs retry with backoff.
   */
  s3: { capacity: 600, windowSeconds: 60 },
  /**
   * Failed authentications per client IP (bad API keys on /v1, failed sign-ins on /auth, unknown access keys and
   * wrong signatures on /s3), each area apart.
   */
  failedAuth: { capacity: 20, windowSeconds: 600 },
  /**
   * Stripe's webhook deliveries, once their signature verified: one bucket for the endpoint (Stripe sends bursts
   * from a few addresses, so the anonymous per-IP bucket would refuse them). A 429 is retried by Stripe.
   */
  stripeWebhook: { capacity: 1000, windowSeconds: 60 },
  /** Deliveries refused for their Stripe-Signature, per client IP; once spent, that IP is refused before verifying. */
  stripeWebhookForged: { capacity: 20, windowSeconds: 600 },
  /** Wrong share-link passwords, per link (any visitor) and per client IP (any link). */
  sharePasswordPerLink: { capacity: 10, windowSeconds: 600 },
  sharePasswordPerIp: { capacity: 20, windowSeconds: 600 },
} as const satisfies Record<string, RateLimitRule>;

/** Multiplier applied to the authenticated base by the caller's broadest scope. */
export const SCOPE_RATE_MULTIPLIERS = { read: 1, write: 1, admin: 5 } as const;

/** The in-memory bucket flushes to KV at most this often per key, cutting KV writes. */
export const RATE_LIMIT_FLUSH_INTERVAL_MS = 10_000;
