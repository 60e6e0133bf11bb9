import { USAGE_METERING } from '@pixelflare/config';
import { createDb, type User } from '@pixelflare/database';
import { addDays, dayOf, startOfDay } from '../analytics/rollup';
import type { AnalyticsSource } from '../analytics/source';
import { periodOf, type UsagePeriod } from './period';
import { planOf, usageOf, type UsageLine } from './quotas';
import { usageThresholdStatements } from './thresholds';

const DAY_MS = 86_400_000;

export interface MeteringBudget {
  daysPerRun: number;
  pageSize: number;
}

export interface MeteringResult {
  completed: string[];
  owners: number;
  /** Accounts found over a `block` plan's bandwidth (their CDN answers are refused until the period ends). */
  blocked: string[];
}

/** The KV key that makes the CDN refuse an owner's answers (429) for the rest of the period. */
export const bandwidthBlockKey = (ownerSlug: string) => `usage:bandwidth-blocked:${ownerSlug}`;

const UPSERT_DAY =
  'INSERT INTO usage_daily (owner_id, date, requests, bandwidth_bytes, transforms) VALUES (?, ?, ?, ?, ?) ' +
  'ON CONFLICT (owner_id, date) DO UPDATE SET requests = excluded.requests, ' +
  'bandwidth_bytes = excluded.bandwidth_bytes, transforms = excluded.transforms';

/** Every account's counters as yesterday's storage snapshot (one statement; renditions summed per owner). */
const SNAPSHOT_STORAGE = `INSERT INTO usage_daily (owner_id, date, images, original_bytes, rendition_bytes)
  SELECT u.id, ?, u.image_count, u.storage_bytes,
         (SELECT COALESCE(SUM(v.bytes), 0) FROM image_variants v WHERE v.owner_id = u.id AND v.status = 'ready')
    FROM users u WHERE true
  ON CONFLICT (owner_id, date) DO UPDATE SET images = excluded.images,
    original_bytes = excluded.original_bytes, rendition_bytes = excluded.rendition_bytes`;

/**
 * 02:00 UTC, after the analytics rollup: meters each finished day into usage_daily, oldest first, up to
 * yesterday: per owner the CDN answers, bytes served and transforms rendered (from the analytics sink's store,
 * so as exact as the sink: D1 exactly, Analytics Engine as sampled), and for yesterday a snapshot of every
 * account's images, original bytes and rendition bytes. Re-metering a day rewrites the same numbers. Then, with
 * limits enforced, `usage.threshold` for bandwidth, and accounts on a `block` plan past their bandwidth are
 * flagged in KV for the CDN.
 */
export async function runUsageMetering(
  d1: D1Database,
  kv: KVNamespace,
  source: AnalyticsSource,
  now: Date,
  options: { enforced: boolean; budget?: MeteringBudget },
): Promise<MeteringResult> {
  const budget = options.budget ?? USAGE_METERING;
  const yesterday = addDays(dayOf(now.getTime()), -1);
  const result: MeteringResult = { completed: [], owners: 0, blocked: [] };
  const { results: ledger } = await d1
    .prepare('SELECT date, next_offset, completed_at FROM usage_metered_days ORDER BY date')
    .all<{ date: string; next_offset: number; completed_at: number | null }>();
  const unfinished = ledger.find((row) => row.completed_at === null);
  const lastCompleted = ledger.filter((row) => row.completed_at !== null).at(-1)?.date;
  let day = unfinished?.date ?? (lastCompleted ? addDays(lastCompleted, 1) : yesterday);
  let offset = unfinished?.next_offset ?? 0;
  for (let days = 0; day <= yesterday && days < budget.daysPerRun; days++) {
    for (;;) {
      const totals = await source.ownerTotals(startOfDay(day), startOfDay(day) + DAY_MS, {
        offset,
        limit: budget.pageSize,
      });
      const complete = totals.length < budget.pageSize;
      const upsert = d1.prepare(UPSERT_DAY);
      const statements = totals.map((row) =>
        upsert.bind(row.ownerId, day, row.requests, row.bandwidth, row.transforms),
      );
      if (complete && day === yesterday) statements.push(d1.prepare(SNAPSHOT_STORAGE).bind(day));
      statements.push(
        d1
          .prepare(
            `INSERT INTO usage_metered_days (date, next_offset, completed_at) VALUES (?, ?, ?)
             ON CONFLICT (date) DO UPDATE SET next_offset = excluded.next_offset, completed_at = excluded.completed_at`,
          )
          .bind(day, offset + totals.length, complete ? now.getTime() : null),
      );
      await d1.batch(statements);
      result.owners += totals.length;
      offset += totals.length;
      if (complete) break;
    }
    result.completed.push(day);
    day = addDays(day, 1);
    offset = 0;
  }
  if (options.enforced && result.completed.length > 0) {
    result.blocked = await checkBandwidth(d1, kv, periodOf(new Date(startOfDay(result.completed.at(-1)!))));
  }
  return result;
}

/** Bandwidth of the period so far, per owner with any: thresholds, and the CDN flag for `block` plans. */
async function checkBandwidth(d1: D1Database, kv: KVNamespace, period: UsagePeriod): Promise<string[]> {
  const db = createDb(d1);
  const { results } = await d1
    .prepare(
      `SELECT d.owner_id AS ownerId, u.slug AS slug, u.plan AS plan, SUM(d.bandwidth_bytes) AS total
         FROM usage_daily d JOIN users u ON u.id = d.owner_id
        WHERE d.date >= ? AND d.date < ?
        GROUP BY d.owner_id HAVING total > 0`,
    )
    .bind(period.start, period.end)
    .all<{ ownerId: string; slug: string; plan: string; total: number }>();
  const blocked: string[] = [];
  const statements = results.flatMap((row) =>
    usageThresholdStatements(db, row.ownerId, { plan: row.plan, period: period.key }, [
      { limit: 'bandwidth', before: 0, after: row.total, max: planOf(row.plan).maxBandwidthBytes },
    ]),
  );
  // D1 batches hold up to a few thousand statements; thresholds are rare (two per account and month at most).
  for (let i = 0; i < statements.length; i += 50) {
    const chunk = statements.slice(i, i + 50);
    await db.batch(chunk as [(typeof chunk)[number], ...typeof chunk]);
  }
  const endsAt = Math.floor(Date.parse(`${period.end}T00:00:00Z`) / 1000);
  for (const row of results) {
    const plan = planOf(row.plan);
    if (plan.bandwidthPolicy !== 'block' || plan.maxBandwidthBytes === null) continue;
    if (row.total < plan.maxBandwidthBytes) continue;
    await kv.put(bandwidthBlockKey(row.slug), period.key, { expiration: endsAt });
    blocked.push(row.ownerId);
  }
  return blocked;
}

export interface UsageReport {
  plan: string;
  enforced: boolean;
  images: UsageLine;
  bytes: UsageLine;
  period: { start: string; end: string };
  storage: { originals: number; renditions: number };
  bandwidth: UsageLine & { over: boolean; policy: 'flag' | 'block' };
  transforms: number;
  requests: number;
  rate_limit_multiplier: number;
}

/**
 * The account's usage in the current period: images and storage as counted now, bandwidth, answers and
 * transforms from usage_daily for metered days plus the sink's store for the days not metered yet (today).
 */
export async function usageReport(
  d1: D1Database,
  source: AnalyticsSource,
  user: User,
  now: Date,
  enforced: boolean,
): Promise<UsageReport> {
  const period = periodOf(now);
  const plan = planOf(user.plan);
  const lastMetered = await d1
    .prepare('SELECT MAX(date) AS date FROM usage_metered_days WHERE completed_at IS NOT NULL')
    .first<{ date: string | null }>();
  const afterMetered = lastMetered?.date ? addDays(lastMetered.date, 1) : period.start;
  const tailStart = afterMetered > period.start ? afterMetered : period.start;
  const [metered, renditions, live] = await Promise.all([
    d1
      .prepare(
        `SELECT COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(bandwidth_bytes), 0) AS bandwidth,
                COALESCE(SUM(transforms), 0) AS transforms
           FROM usage_daily WHERE owner_id = ? AND date >= ? AND date < ?`,
      )
      .bind(user.id, period.start, tailStart)
      .first<{ requests: number; bandwidth: number; transforms: number }>(),
    d1
      .prepare(
        "SELECT COALESCE(SUM(bytes), 0) AS bytes FROM image_variants WHERE owner_id = ? AND status = 'ready'",
      )
      .bind(user.id)
      .first<{ bytes: number }>(),
    source.ownerTotals(startOfDay(tailStart), now.getTime() + 1, { offset: 0, limit: 1, ownerId: user.id }),
  ]);
  const bandwidth = (metered?.bandwidth ?? 0) + (live[0]?.bandwidth ?? 0);
  const base = usageOf(user);
  return {
    plan: user.plan,
    enforced,
    ...base,
    period: { start: period.start, end: period.end },
    storage: { originals: user.storageBytes, renditions: renditions?.bytes ?? 0 },
    bandwidth: {
      used: bandwidth,
      limit: plan.maxBandwidthBytes,
      over: plan.maxBandwidthBytes !== null && bandwidth >= plan.maxBandwidthBytes,
      policy: plan.bandwidthPolicy,
    },
    transforms: (metered?.transforms ?? 0) + (live[0]?.transforms ?? 0),
    requests: (metered?.requests ?? 0) + (live[0]?.requests ?? 0),
    rate_limit_multiplier: plan.rateLimitMultiplier,
  };
}
