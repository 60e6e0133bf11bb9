/**
 * CDN analytics: where each answer is counted (the sink), how the 02:00 UTC rollup pages through a day, and the
 * bounds of the read API. The data point layout is documented in packages/docs/guide/analytics.md.
 */

/** `d1`: a row per answer in D1 (`analytics_events`), the default. `engine`: Workers Analytics Engine. */
export const ANALYTICS_SINKS = ['d1', 'engine'] as const;
export type AnalyticsSinkName = (typeof ANALYTICS_SINKS)[number];

/** The dataset in wrangler.toml (`[[analytics_engine_datasets]]`), which is also the SQL API's table name. */
export const ANALYTICS_DATASET = 'pixelflare_cdn';
/** Cloudflare's API; the SQL API is `POST {base}/accounts/{account_id}/analytics_engine/sql`. */
export const CLOUDFLARE_API_BASE = 'https://api.cloudflare.com/client/v4';

/**
 * One rollup run's budget. A page is one read of the sink (D1 query or SQL API call) and one D1 batch of at
 * most `pageSize` upserts; a day bigger than the budget resumes where it stopped on the next run.
 */
export const ANALYTICS_ROLLUP = {
  pageSize: 500,
  pagesPerRun: 20,
  /** Days (missed or new) worked on per run, oldest first. */
  daysPerRun: 7,
  /** Raw events deleted per retention statement, and statements per run. */
  retentionBatch: 5_000,
  retentionBatchesPerRun: 10,
} as const;

export const ANALYTICS_QUERY_LIMITS = {
  defaultRangeDays: 30,
  maxRangeDays: 366,
  /** `granularity=hour` covers at most this many hours back from now (raw events only). */
  hourlyWindowHours: 48,
  topImages: 10,
  maxTop: 100,
} as const;

/** What a point keeps of the request: bounded so a point stays far inside Analytics Engine's 16 kB of blobs. */
export const ANALYTICS_FIELD_LIMITS = { variant: 64, referrer: 253, format: 64 } as const;
