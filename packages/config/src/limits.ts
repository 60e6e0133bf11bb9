/** Upload, pagination and image limits. Values are defaults; the env may lower some of them. */
export const MB = 1024 * 1024;

/**
 * Uploads up to this size are ingested in memory (read whole, stripped copy, hashed). A Worker isolate has
 * 128 MB for everything it runs at once (JS heap + wasm, several concurrent requests); the in-memory path
 * holds the file about twice (original + stripped copy) plus exifr's and the runtime's own tens of MB, so
 * 24 MB keeps one such ingest near 50 MB and leaves room for the runtime and a second upload in flight.
 * Larger files whose bytes are already in R2 (tus, large two-step PUTs) are ingested from R2 with bounded
 * memory: the head is read, the rest only streamed.
 */
export const INGEST_MEMORY_LIMIT_BYTES = 24 * MB;

export const UPLOAD_LIMITS = {
  /**
   * One-shot uploads (`POST /v1/upload`): the multipart form is buffered to be parsed, so its file is held in
   * memory and is capped at the in-memory ingest limit.
   */
  maxOneShotBytes: INGEST_MEMORY_LIMIT_BYTES,
  /**
   * Two-step uploads (`PUT upload_url`): one request body. Above `INGEST_MEMORY_LIMIT_BYTES` it must declare
   * its `Content-Length` and is streamed to R2 (under `TWO_STEP_STAGING_PREFIX`), never held.
   */
  maxTwoStepBytes: 100 * MB,
  /** Resumable (tus) uploads may be larger. */
  maxResumableBytes: 500 * MB,
  /** Refuse images above this many pixels before decoding (image-bomb guard). */
  maxMegapixels: 50,
  maxSidePixels: 50_000,
  minSidePixels: 1,
  maxFilenameLength: 255,
  maxTags: 50,
  maxTagLength: 64,
  maxTitleLength: 200,
  maxAltLength: 1000,
  maxDescriptionLength: 5000,
  /** Two-step upload URLs are single-use and expire after this many seconds. */
  uploadUrlTtlSeconds: 15 * 60,
  /** Abandoned resumable uploads are cleaned up after this many seconds. */
  resumableExpirySeconds: 24 * 60 * 60,
} as const;

/**
 * How much of a large upload is read into memory to sniff the type, walk the JPEG header segments up to the
 * scan (EXIF/XMP/ICC/APPn are each at most 64 KB, but extended XMP or ICC can span several) and read the size.
 */
export const INGEST_HEAD_BYTES = 4 * MB;

/** The last bytes of a large upload read to find its end marker (JPEG EOI, after any zero padding). */
export const INGEST_TAIL_BYTES = 64 * 1024;

/**
 * Large two-step PUT bodies are streamed to `${TWO_STEP_STAGING_PREFIX}{imageId}` (never the image's final
 * key), ingested from there and deleted. The 01:00 cron removes any older than `STAGING_RETENTION_SECONDS`
 * (a Worker stopped mid-ingest cannot delete its own).
 */
export const TWO_STEP_STAGING_PREFIX = 'staging/two-step/';
/** A staged body is ingested seconds after it is stored; one left this long was abandoned. */
export const STAGING_RETENTION_SECONDS = 60 * 60;

/**
 * The 01:00 reconciliation of R2 with D1 (packages/api/src/services/reconcile). An object no row holds is
 * deleted only once older than `orphanGraceSeconds` (an upload stores its object a moment before its row).
 * One run's budget stays well inside a Worker invocation's subrequests: per object page one R2 list, one D1
 * query and one R2 delete; per row page one D1 query and one R2 head per row. The rest waits for the next run.
 */
export const RECONCILE_LIMITS = {
  orphanGraceSeconds: 60 * 60,
  budget: { objectPages: 10, objectPageSize: 1000, rowPages: 3, rowPageSize: 100, records: 100 },
} as const;

export const PAGINATION = { defaultLimit: 50, maxLimit: 100 } as const;

export const SHORT_ID_LENGTH = 6;
export const SHORT_ID_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

export const TRASH_RETENTION_DAYS = 30;
export const AUDIT_RETENTION_DAYS = 365;
export const WEBHOOK_DELIVERY_RETENTION_DAYS = 30;
export const ANALYTICS_RETENTION_DAYS = 90;

/** What happens to CDN answers once an account has served its plan's monthly bandwidth. */
export type BandwidthPolicy = 'flag' | 'block';

export interface PlanLimits {
  label: string;
  /** Live images (trash excluded); null = no limit. */
  maxImages: number | null;
  /** Bytes of originals; null = no limit. */
  maxBytes: number | null;
  /** CDN bytes served per calendar month (UTC); null = no limit. */
  maxBandwidthBytes: number | null;
  /** Multiplies the API and upload rate-limit buckets (`RATE_LIMITS`). */
  rateLimitMultiplier: number;
  /** Over the bandwidth limit: `flag` keeps serving and reports it, `block` answers CDN requests 429. */
  bandwidthPolicy: BandwidthPolicy;
}

/**
 * Plans. Enforced only when `USAGE_LIMITS_ENABLED=true`; `unlimited` is the tier for self-hosted accounts
 * (no limit, even when enforcement is on). Renditions are metered but not limited.
 */
export const PLANS = {
  free: {
    label: 'Free',
    maxImages: 100,
    maxBytes: 1024 * MB,
    maxBandwidthBytes: 5 * 1024 * MB,
    rateLimitMultiplier: 1,
    bandwidthPolicy: 'block',
  },
  starter: {
    label: 'Starter',
    maxImages: 1_000,
    maxBytes: 10 * 1024 * MB,
    maxBandwidthBytes: 100 * 1024 * MB,
    rateLimitMultiplier: 2,
    bandwidthPolicy: 'flag',
  },
  pro: {
    label: 'Pro',
    maxImages: 25_000,
    maxBytes: 250 * 1024 * MB,
    maxBandwidthBytes: 2 * 1024 * 1024 * MB,
    rateLimitMultiplier: 5,
    bandwidthPolicy: 'flag',
  },
  unlimited: {
    label: 'Unlimited',
    maxImages: null,
    maxBytes: null,
    maxBandwidthBytes: null,
    rateLimitMultiplier: 1,
    bandwidthPolicy: 'flag',
  },
} as const satisfies Record<string, PlanLimits>;
export type PlanTier = keyof typeof PLANS;
export const PLAN_TIERS = Object.keys(PLANS) as PlanTier[];
/** `usage.threshold` webhook events are sent when a limit's use first reaches these fractions in a period. */
export const USAGE_THRESHOLDS = [0.8, 1] as const;
/** The limits `usage.threshold` and `GET /v1/usage` name. */
export const USAGE_LIMIT_NAMES = ['images', 'storage', 'bandwidth'] as const;
export type UsageLimitName = (typeof USAGE_LIMIT_NAMES)[number];
/** The 02:00 metering of CDN usage into usage_daily: days per run and owners per page. */
export const USAGE_METERING = { daysPerRun: 7, pageSize: 500 } as const;
/** Quotas allow a 1% grace before refusing. */
export const QUOTA_GRACE_RATIO = 0.01;

/** `DELETE /v1/me`: an account's images are deleted this many per queue message (R2, cache and rows). */
export const ACCOUNT_DELETION = {
  imagesPerStep: 25,
} as const;

/** `POST /v1/me/export`: the account as ZIP archives in R2, built by a queue job. */
export const DATA_EXPORT = {
  /** Each archive stays below ZIP's 4 GiB limit (no ZIP64): a larger account gets several archives. */
  archiveMaxBytes: 3.5 * 1024 ** 3,
  /** R2 multipart part size: every part but the last must have the same size, at least 5 MiB. */
  partBytes: 8 * 1024 * 1024,
  /** Images read from D1 per query while the archive is written. */
  imagesPerPage: 100,
  /** How long the archives (and their download links) are kept. */
  keepDays: 7,
  /** How many recent exports `GET /v1/me/export` lists. */
  listed: 10,
} as const;
