import { ANALYTICS_QUERY_LIMITS } from '@pixelflare/config';
import { badRequest } from '../../lib/errors';
import { addDays, dayOf, startOfDay } from './rollup';
import type { AnalyticsSource } from './source';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** A validated range of UTC days, both included. */
export interface DayRange {
  from: string;
  to: string;
}

export interface Totals {
  requests: number;
  bandwidth: number;
  hits: number;
  misses: number;
}

/** `from`/`to` as asked, defaulted to the last 30 days; 400 when reversed or longer than the maximum. */
export function dayRangeOf(query: { from?: string; to?: string }, now: Date): DayRange {
  const to = query.to ?? dayOf(now.getTime());
  const from = query.from ?? addDays(to, 1 - ANALYTICS_QUERY_LIMITS.defaultRangeDays);
  if (from > to) throw badRequest('`from` is after `to`', [{ path: 'from', message: 'after `to`' }]);
  const days = (startOfDay(to) - startOfDay(from)) / DAY_MS + 1;
  if (days > ANALYTICS_QUERY_LIMITS.maxRangeDays) {
    throw badRequest(`A range covers at most ${ANALYTICS_QUERY_LIMITS.maxRangeDays} days`, [
      { path: 'from', message: `more than ${ANALYTICS_QUERY_LIMITS.maxRangeDays} days before \`to\`` },
    ]);
  }
  return { from, to };
}

/**
 * One owner's daily groups in a range, as a SQL common table expression named `rows`: analytics_daily for the
 * days already rolled up, and for later days (today, or nights the rollup has not reached) the raw answers of
 * the D1 sink, grouped the same way. With Analytics Engine the raw part is empty: its days appear once rolled up.
 * Bound parameters: owner, from day, to day, last rolled-up day, live from (ms), live to (ms).
 */
const ROWS = `WITH last AS (SELECT COALESCE(MAX(date), '') AS day FROM analytics_rollups WHERE completed_at IS NOT NULL),
rows AS (
  SELECT date, image_id, variant, country, referrer, requests, bandwidth, hits, misses
    FROM analytics_daily
   WHERE owner_id = ?1 AND date >= ?2 AND date <= ?3 AND date <= (SELECT day FROM last)
  UNION ALL
  SELECT strftime('%Y-%m-%d', ts / 1000, 'unixepoch') AS date, image_id, variant, country, referrer,
         COUNT(*) AS requests, SUM(bytes) AS bandwidth, SUM(cache = 'hit') AS hits,
         COUNT(*) - SUM(cache = 'hit') AS misses
    FROM analytics_events
   WHERE owner_id = ?1 AND ts >= ?4 AND ts < ?5
     AND strftime('%Y-%m-%d', ts / 1000, 'unixepoch') > (SELECT day FROM last)
   GROUP BY 1, 2, 3, 4, 5
)`;

const bind = (statement: D1PreparedStatement, ownerId: string, range: DayRange, ...more: unknown[]) =>
  statement.bind(
    ownerId,
    range.from,
    range.to,
    startOfDay(range.from),
    startOfDay(range.to) + DAY_MS,
    ...more,
  );

const TOTALS = `COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(bandwidth), 0) AS bandwidth,
  COALESCE(SUM(hits), 0) AS hits, COALESCE(SUM(misses), 0) AS misses`;

export const hitRatio = (totals: Totals) => (totals.requests > 0 ? totals.hits / totals.requests : null);

async function totalsOf(db: D1Database, ownerId: string, range: DayRange, imageId?: string): Promise<Totals> {
  const row = await bind(
    db.prepare(`${ROWS} SELECT ${TOTALS} FROM rows WHERE (?6 IS NULL OR image_id = ?6)`),
    ownerId,
    range,
    imageId ?? null,
  ).first<Totals>();
  return row ?? { requests: 0, bandwidth: 0, hits: 0, misses: 0 };
}

type Dimension = 'image_id' | 'variant' | 'country' | 'referrer';

/** The top values of one dimension by requests (ties by bandwidth, then name). */
async function topBy(
  db: D1Database,
  ownerId: string,
  range: DayRange,
  dimension: Dimension,
  limit: number,
  imageId?: string,
): Promise<{ key: string; requests: number; bandwidth: number }[]> {
  const { results } = await bind(
    db.prepare(
      `${ROWS} SELECT ${dimension} AS key, SUM(requests) AS requests, SUM(bandwidth) AS bandwidth
         FROM rows WHERE (?6 IS NULL OR image_id = ?6)
        GROUP BY ${dimension} ORDER BY requests DESC, bandwidth DESC, key LIMIT ?7`,
    ),
    ownerId,
    range,
    imageId ?? null,
    limit,
  ).all<{ key: string; requests: number; bandwidth: number }>();
  return results;
}

/** Every day of the range with its totals, zeros for days without answers. */
async function dailySeries(db: D1Database, ownerId: string, range: DayRange, imageId?: string) {
  const { results } = await bind(
    db.prepare(`${ROWS} SELECT date, ${TOTALS} FROM rows WHERE (?6 IS NULL OR image_id = ?6) GROUP BY date`),
    ownerId,
    range,
    imageId ?? null,
  ).all<Totals & { date: string }>();
  const byDay = new Map(results.map((row) => [row.date, row]));
  const points: (Totals & { t: string })[] = [];
  for (let day = range.from; day <= range.to; day = addDays(day, 1)) {
    const row = byDay.get(day);
    points.push({
      t: `${day}T00:00:00.000Z`,
      requests: row?.requests ?? 0,
      bandwidth: row?.bandwidth ?? 0,
      hits: row?.hits ?? 0,
      misses: row?.misses ?? 0,
    });
  }
  return points;
}

/** The last 48 hours, hour by hour, from the sink's raw answers. */
export async function hourlySeries(source: AnalyticsSource, ownerId: string, now: Date, imageId?: string) {
  const end = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS + HOUR_MS;
  const start = end - ANALYTICS_QUERY_LIMITS.hourlyWindowHours * HOUR_MS;
  const buckets = new Map((await source.hourly(ownerId, start, end, imageId)).map((b) => [b.hour, b]));
  const points: (Totals & { t: string })[] = [];
  for (let hour = start; hour < end; hour += HOUR_MS) {
    const bucket = buckets.get(hour);
    const requests = bucket?.requests ?? 0;
    const hits = bucket?.hits ?? 0;
    points.push({
      t: new Date(hour).toISOString(),
      requests,
      bandwidth: bucket?.bandwidth ?? 0,
      hits,
      misses: requests - hits,
    });
  }
  return { from: new Date(start).toISOString(), to: new Date(end).toISOString(), points };
}

export async function analyticsSummary(db: D1Database, ownerId: string, range: DayRange, limit: number) {
  const [totals, top] = await Promise.all([
    totalsOf(db, ownerId, range),
    topBy(db, ownerId, range, 'image_id', limit),
  ]);
  return { totals, top };
}

export const analyticsDaily = dailySeries;

export async function analyticsReferrers(db: D1Database, ownerId: string, range: DayRange, limit: number) {
  return (await topBy(db, ownerId, range, 'referrer', limit)).map(({ key, ...rest }) => ({
    host: key,
    ...rest,
  }));
}

export async function analyticsCountries(db: D1Database, ownerId: string, range: DayRange, limit: number) {
  return (await topBy(db, ownerId, range, 'country', limit)).map(({ key, ...rest }) => ({
    country: key,
    ...rest,
  }));
}

export async function analyticsOfImage(
  db: D1Database,
  ownerId: string,
  imageId: string,
  range: DayRange,
  limit: number,
) {
  const [totals, points, variants, referrers, countries] = await Promise.all([
    totalsOf(db, ownerId, range, imageId),
    dailySeries(db, ownerId, range, imageId),
    topBy(db, ownerId, range, 'variant', limit, imageId),
    topBy(db, ownerId, range, 'referrer', limit, imageId),
    topBy(db, ownerId, range, 'country', limit, imageId),
  ]);
  return {
    totals,
    points,
    variants: variants.map(({ key, ...rest }) => ({ variant: key, ...rest })),
    referrers: referrers.map(({ key, ...rest }) => ({ host: key, ...rest })),
    countries: countries.map(({ key, ...rest }) => ({ country: key, ...rest })),
  };
}
