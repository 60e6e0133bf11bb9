import { ANALYTICS_DATASET, type AnalyticsSinkName } from '@pixelflare/config';
import { querySqlApi, sqlDateTime, sqlString, type SqlApiConfig } from './sql-api';

/** One group of a day's answers, as analytics_daily stores it. */
export interface DayGroup {
  ownerId: string;
  imageId: string;
  variant: string;
  country: string;
  referrer: string;
  requests: number;
  bandwidth: number;
  hits: number;
}

/** One owner's CDN totals over a span: what usage metering counts. */
export interface OwnerTotals {
  ownerId: string;
  requests: number;
  bandwidth: number;
  /** Answers rendered by an engine (`cache = 'miss'`). */
  transforms: number;
}

export interface HourBucket {
  /** Epoch ms of the hour's start. */
  hour: number;
  requests: number;
  bandwidth: number;
  hits: number;
}

/** Where the rollup and the hourly series read raw answers: the sink's own store. */
export interface AnalyticsSource {
  readonly name: AnalyticsSinkName;
  /**
   * Groups of answers in `[from, to)` (epoch ms) with an owner, in a stable order, `limit` from `offset`:
   * paging through a past day gives every group once.
   */
  dayGroups(from: number, to: number, offset: number, limit: number): Promise<DayGroup[]>;
  /** Hourly totals for one owner (and optionally one image) in `[from, to)`. */
  hourly(ownerId: string, from: number, to: number, imageId?: string): Promise<HourBucket[]>;
  /**
   * Per-owner totals of answers in `[from, to)`, ordered by owner, `limit` from `offset`; only `ownerId`'s when
   * given.
   */
  ownerTotals(
    from: number,
    to: number,
    page: { offset: number; limit: number; ownerId?: string },
  ): Promise<OwnerTotals[]>;
  /** Epoch ms of the oldest answer kept, or null when none (the rollup's first day). */
  oldest(): Promise<number | null>;
}

const HOUR_MS = 3_600_000;

export function createD1Source(db: D1Database): AnalyticsSource {
  return {
    name: 'd1',
    async dayGroups(from, to, offset, limit) {
      const { results } = await db
        .prepare(
          `SELECT owner_id AS ownerId, image_id AS imageId, variant, country, referrer,
                  COUNT(*) AS requests, SUM(bytes) AS bandwidth, SUM(cache = 'hit') AS hits
             FROM analytics_events
            WHERE ts >= ? AND ts < ? AND owner_id != ''
            GROUP BY owner_id, image_id, variant, country, referrer
            ORDER BY owner_id, image_id, variant, country, referrer
            LIMIT ? OFFSET ?`,
        )
        .bind(from, to, limit, offset)
        .all<DayGroup>();
      return results;
    },
    async ownerTotals(from, to, page) {
      const { results } = await db
        .prepare(
          `SELECT owner_id AS ownerId, COUNT(*) AS requests, SUM(bytes) AS bandwidth,
                  SUM(cache = 'miss') AS transforms
             FROM analytics_events
            WHERE ts >= ? AND ts < ? AND owner_id != '' AND (? IS NULL OR owner_id = ?)
            GROUP BY owner_id ORDER BY owner_id
            LIMIT ? OFFSET ?`,
        )
        .bind(from, to, page.ownerId ?? null, page.ownerId ?? null, page.limit, page.offset)
        .all<OwnerTotals>();
      return results;
    },
    async hourly(ownerId, from, to, imageId) {
      const { results } = await db
        .prepare(
          `SELECT (ts / ${HOUR_MS}) * ${HOUR_MS} AS hour, COUNT(*) AS requests, SUM(bytes) AS bandwidth,
                  SUM(cache = 'hit') AS hits
             FROM analytics_events
            WHERE owner_id = ? AND ts >= ? AND ts < ? AND (? IS NULL OR image_id = ?)
            GROUP BY hour ORDER BY hour`,
        )
        .bind(ownerId, from, to, imageId ?? null, imageId ?? null)
        .all<HourBucket>();
      return results;
    },
    async oldest() {
      const row = await db
        .prepare('SELECT MIN(ts) AS ts FROM analytics_events')
        .first<{ ts: number | null }>();
      return row?.ts ?? null;
    },
  };
}

/**
 * Analytics Engine through its SQL API. Counts are sums of `_sample_interval` (each stored row stands for that
 * many answers once sampled), bytes the sum of `_sample_interval * double1`, hits of `_sample_interval * double4`.
 */
export function createEngineSource(config: SqlApiConfig, dataset = ANALYTICS_DATASET): AnalyticsSource {
  return {
    name: 'engine',
    async dayGroups(from, to, offset, limit) {
      const rows = await querySqlApi(
        config,
        `SELECT index1 AS ownerId, blob1 AS imageId, blob2 AS variant, blob4 AS country, blob5 AS referrer,
                SUM(_sample_interval) AS requests, SUM(_sample_interval * double1) AS bandwidth,
                SUM(_sample_interval * double4) AS hits
           FROM ${dataset}
          WHERE timestamp >= ${sqlDateTime(from)} AND timestamp < ${sqlDateTime(to)} AND index1 != ''
          GROUP BY ownerId, imageId, variant, country, referrer
          ORDER BY ownerId, imageId, variant, country, referrer
          LIMIT ${Math.trunc(limit)} OFFSET ${Math.trunc(offset)}`,
      );
      return rows.map((row) => ({
        ownerId: String(row.ownerId),
        imageId: String(row.imageId),
        variant: String(row.variant),
        country: String(row.country),
        referrer: String(row.referrer ?? ''),
        requests: Math.round(Number(row.requests)),
        bandwidth: Math.round(Number(row.bandwidth)),
        hits: Math.round(Number(row.hits)),
      }));
    },
    async ownerTotals(from, to, page) {
      const rows = await querySqlApi(
        config,
        `SELECT index1 AS ownerId, SUM(_sample_interval) AS requests,
                SUM(_sample_interval * double1) AS bandwidth,
                SUM(if(blob3 = 'miss', _sample_interval, 0)) AS transforms
           FROM ${dataset}
          WHERE timestamp >= ${sqlDateTime(from)} AND timestamp < ${sqlDateTime(to)} AND index1 != ''${
            page.ownerId ? ` AND index1 = ${sqlString(page.ownerId)}` : ''
          }
          GROUP BY ownerId ORDER BY ownerId
          LIMIT ${Math.trunc(page.limit)} OFFSET ${Math.trunc(page.offset)}`,
      );
      return rows.map((row) => ({
        ownerId: String(row.ownerId),
        requests: Math.round(Number(row.requests)),
        bandwidth: Math.round(Number(row.bandwidth)),
        transforms: Math.round(Number(row.transforms)),
      }));
    },
    async hourly(ownerId, from, to, imageId) {
      const rows = await querySqlApi(
        config,
        `SELECT toUnixTimestamp(toStartOfInterval(timestamp, INTERVAL '1' HOUR)) * 1000 AS hour,
                SUM(_sample_interval) AS requests, SUM(_sample_interval * double1) AS bandwidth,
                SUM(_sample_interval * double4) AS hits
           FROM ${dataset}
          WHERE index1 = ${sqlString(ownerId)} AND timestamp >= ${sqlDateTime(from)}
            AND timestamp < ${sqlDateTime(to)}${imageId ? ` AND blob1 = ${sqlString(imageId)}` : ''}
          GROUP BY hour ORDER BY hour`,
      );
      return rows.map((row) => ({
        hour: Number(row.hour),
        requests: Math.round(Number(row.requests)),
        bandwidth: Math.round(Number(row.bandwidth)),
        hits: Math.round(Number(row.hits)),
      }));
    },
    // Analytics Engine keeps three months; the rollup starts from the day before its first run instead.
    oldest: async () => null,
  };
}

export function createSource(
  name: AnalyticsSinkName,
  db: D1Database,
  engine: Omit<SqlApiConfig, 'accountId' | 'token'> & { accountId?: string; token?: string },
): AnalyticsSource {
  if (name === 'd1') return createD1Source(db);
  if (!engine.accountId || !engine.token)
    throw new Error('ANALYTICS_SINK=engine needs CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_ANALYTICS_TOKEN');
  return createEngineSource({ ...engine, accountId: engine.accountId, token: engine.token });
}
