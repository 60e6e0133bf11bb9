import { USAGE_THRESHOLDS, type UsageLimitName } from '@pixelflare/config';
import { usageThresholds, type Database } from '@pixelflare/database';
import { sql, type SQL } from 'drizzle-orm';
import { insertWhen } from '../../lib/sql';
import { outboxInsertWhen } from '../events/outbox';

/** One limit whose use went from `before` to `after` (images, or bytes). */
export interface UsageChange {
  limit: UsageLimitName;
  before: number;
  after: number;
  /** null: the plan has no such limit. */
  max: number | null;
}

/** The percent levels (80, 100) a change reaches for the first time: `before` below, `after` at or above. */
export function levelsCrossed(change: UsageChange): number[] {
  const { before, after, max } = change;
  if (max === null || max <= 0) return [];
  return USAGE_THRESHOLDS.filter((ratio) => before < ratio * max && after >= ratio * max).map((ratio) =>
    Math.round(ratio * 100),
  );
}

/**
 * Statements that write `usage.threshold` for each level a change reaches, at most once per account, period,
 * limit and level: a marker row is inserted unless present, and the event is written only if that insert
 * added the row (`changes() = 1`). Meant for the D1 batch that changes the usage, so the event is written with
 * the change or not at all; `when` makes them depend on that change having happened (see `insertWhen`).
 */
export function usageThresholdStatements(
  db: Database,
  ownerId: string,
  context: { plan: string; period: string },
  changes: UsageChange[],
  when: SQL = sql`true`,
) {
  return changes.flatMap((change) =>
    levelsCrossed(change).flatMap((level) => [
      insertWhen(
        db,
        usageThresholds,
        { ownerId, period: context.period, limitName: change.limit, level, createdAt: new Date() },
        when,
      ).onConflictDoNothing(),
      outboxInsertWhen(db, sql`changes() = 1`, ownerId, 'usage.threshold', {
        limit: change.limit,
        percent: level as 80 | 100,
        used: change.after,
        max: change.max!,
        plan: context.plan,
        period: context.period,
      }),
    ]),
  );
}
