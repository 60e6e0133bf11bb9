import { ANALYTICS_ROLLUP } from '@pixelflare/config';
import type { AnalyticsSource, DayGroup } from './source';

const DAY_MS = 86_400_000;

export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const startOfDay = (day: string) => Date.parse(`${day}T00:00:00Z`);
export const addDays = (day: string, days: number) => dayOf(startOfDay(day) + days * DAY_MS);

export interface RollupBudget {
  pageSize: number;
  pagesPerRun: number;
  daysPerRun: number;
}

export interface RollupResult {
  /** Days finished in this run. */
  completed: string[];
  /** The day left part-way (resumed next run), if the budget ran out inside one. */
  partial?: string;
  pages: number;
  groups: number;
}

interface LedgerRow {
  date: string;
  next_offset: number;
  completed_at: number | null;
}

/**
 * Rolls raw answers up into analytics_daily, one UTC day at a time, oldest first, up to yesterday. Every day
 * after the last one completed is due (so a missed night is caught up), starting from the oldest raw answer
 * (or yesterday) when nothing was rolled up yet. Each page is one read of the source and one D1 batch that
 * writes its groups and moves the day's ledger row; the first page of a day first deletes the day's rows, so
 * rolling a day up again gives the same rows. The run stops at the budget and the next one resumes.
 */
export async function runAnalyticsRollup(
  db: D1Database,
  source: AnalyticsSource,
  now: Date,
  budget: RollupBudget = ANALYTICS_ROLLUP,
): Promise<RollupResult> {
  const yesterday = addDays(dayOf(now.getTime()), -1);
  const result: RollupResult = { completed: [], pages: 0, groups: 0 };
  const days = await dueDays(db, source, yesterday, budget.daysPerRun);
  for (const { day, offset: resumeAt } of days) {
    let offset = resumeAt;
    for (;;) {
      if (result.pages >= budget.pagesPerRun) {
        result.partial = day;
        return result;
      }
      const groups = await source.dayGroups(
        startOfDay(day),
        startOfDay(day) + DAY_MS,
        offset,
        budget.pageSize,
      );
      result.pages++;
      const complete = groups.length < budget.pageSize;
      await writePage(db, day, offset, groups, complete);
      offset += groups.length;
      result.groups += groups.length;
      if (complete) break;
    }
    result.completed.push(day);
  }
  return result;
}

/** Days to work on, oldest first: an unfinished day resumes at its offset. */
async function dueDays(
  db: D1Database,
  source: AnalyticsSource,
  yesterday: string,
  limit: number,
): Promise<{ day: string; offset: number }[]> {
  const { results: ledger } = await db
    .prepare('SELECT date, next_offset, completed_at FROM analytics_rollups ORDER BY date')
    .all<LedgerRow>();
  const lastCompleted = ledger.filter((row) => row.completed_at !== null).at(-1)?.date;
  const unfinished = ledger.filter((row) => row.completed_at === null);
  let first: string;
  if (unfinished[0]) first = unfinished[0].date;
  else if (lastCompleted) first = addDays(lastCompleted, 1);
  else {
    const oldest = await source.oldest();
    first = oldest === null ? yesterday : dayOf(oldest);
  }
  const offsets = new Map(unfinished.map((row) => [row.date, row.next_offset]));
  const completed = new Set(ledger.filter((row) => row.completed_at !== null).map((row) => row.date));
  const days: { day: string; offset: number }[] = [];
  for (let day = first; day <= yesterday && days.length < limit; day = addDays(day, 1)) {
    if (!completed.has(day)) days.push({ day, offset: offsets.get(day) ?? 0 });
  }
  return days;
}

const UPSERT_DAILY =
  'INSERT INTO analytics_daily (owner_id, date, image_id, variant, country, referrer, requests, bandwidth, ' +
  'hits, misses) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner_id, date, image_id, variant, ' +
  'country, referrer) DO UPDATE SET requests = excluded.requests, bandwidth = excluded.bandwidth, ' +
  'hits = excluded.hits, misses = excluded.misses';

async function writePage(db: D1Database, day: string, offset: number, groups: DayGroup[], complete: boolean) {
  const statements: D1PreparedStatement[] = [];
  if (offset === 0) statements.push(db.prepare('DELETE FROM analytics_daily WHERE date = ?').bind(day));
  const upsert = db.prepare(UPSERT_DAILY);
  for (const group of groups) {
    statements.push(
      upsert.bind(
        group.ownerId,
        day,
        group.imageId,
        group.variant,
        group.country,
        group.referrer,
        group.requests,
        group.bandwidth,
        group.hits,
        group.requests - group.hits,
      ),
    );
  }
  statements.push(
    db
      .prepare(
        `INSERT INTO analytics_rollups (date, next_offset, completed_at, rows) VALUES (?, ?, ?, ?)
         ON CONFLICT (date) DO UPDATE SET next_offset = excluded.next_offset,
           completed_at = excluded.completed_at,
           rows = CASE WHEN ? = 0 THEN excluded.rows ELSE analytics_rollups.rows + excluded.rows END`,
      )
      .bind(day, offset + groups.length, complete ? Date.now() : null, groups.length, offset),
  );
  await db.batch(statements);
}

/**
 * Deletes raw answers, daily rows and ledger rows older than `retentionDays`, in bounded batches (what is
 * left goes on the next run). Returns the raw answers deleted.
 */
export async function pruneAnalytics(
  db: D1Database,
  now: Date,
  retentionDays: number,
  budget: { retentionBatch: number; retentionBatchesPerRun: number } = ANALYTICS_ROLLUP,
): Promise<{ events: number; daily: number }> {
  const cutoff = now.getTime() - retentionDays * DAY_MS;
  const cutoffDay = dayOf(cutoff);
  let events = 0;
  for (let batch = 0; batch < budget.retentionBatchesPerRun; batch++) {
    const deleted = await db
      .prepare(
        'DELETE FROM analytics_events WHERE id IN (SELECT id FROM analytics_events WHERE ts < ? LIMIT ?)',
      )
      .bind(cutoff, budget.retentionBatch)
      .run();
    events += deleted.meta.changes;
    if (deleted.meta.changes < budget.retentionBatch) break;
  }
  const [daily] = await db.batch([
    db.prepare('DELETE FROM analytics_daily WHERE date < ?').bind(cutoffDay),
    db.prepare('DELETE FROM analytics_rollups WHERE date < ?').bind(cutoffDay),
  ]);
  return { events, daily: daily!.meta.changes };
}
