import { BACKUPS } from '@pixelflare/config';
import { backupConfigs, images, type Database } from '@pixelflare/database';
import type { BackupStatus } from '@pixelflare/shared';
import { and, asc, eq, gt, isNull, ne, or, sql } from 'drizzle-orm';
import { sendBackupMessages, type BackupsQueueMessage } from '../../jobs/messages';
import { inList } from '../../lib/sql';
import { findBackupConfig, originalsInBucket } from './config';

/**
 * Images of one owner that want a backup: never backed up (`none`), queued but not done (`pending`, the message may
 * have been lost), or `failed` and past their backoff (2^(attempts-1) hours, capped at a week), oldest first.
 */
function wantingBackup(ownerId: string, now: Date, byos: boolean) {
  const backoffMs = sql`min(${BACKUPS.failedBackoffMaxSeconds * 1000}, ${BACKUPS.failedBackoffBaseSeconds * 1000} << max(0, ${images.backupAttempts} - 1))`;
  return and(
    eq(images.ownerId, ownerId),
    eq(images.status, 'ready'),
    or(
      // Bring your own storage turned off: originals to bring back into R2, from the trash too (a purge would
      // otherwise find nothing in R2 to delete, and a restore from the trash an image read from a bucket it left).
      byos ? undefined : eq(images.originalIn, 'byos'),
      and(
        isNull(images.deletedAt),
        or(
          // Turned on: originals still to move into the bucket (a failed move keeps its backoff).
          byos ? and(eq(images.originalIn, 'r2'), ne(images.backupStatus, 'failed')) : undefined,
          inList(images.backupStatus, ['none', 'pending']),
          and(
            eq(images.backupStatus, 'failed'),
            sql`coalesce(${images.backupAt}, 0) + ${backoffMs} <= ${now.getTime()}`,
          ),
        ),
      ),
    ),
  );
}

/**
 * Queues up to `limit` of the owner's images that want a backup and marks them `pending`. Safe to run twice: an
 * image queued twice is uploaded once (the consumer compares size and ETag first).
 */
export async function queueOwnerBackups(
  db: Database,
  queue: Queue<BackupsQueueMessage>,
  ownerId: string,
  now: Date,
  limit: number = BACKUPS.catchUpPerOwner,
): Promise<number> {
  const config = await findBackupConfig(db, ownerId);
  const rows = await db
    .select({ id: images.id })
    .from(images)
    .where(wantingBackup(ownerId, now, config?.byos ?? false))
    .orderBy(asc(images.createdAt), asc(images.id))
    .limit(limit);
  if (rows.length === 0) return 0;
  await sendBackupMessages(
    queue,
    rows.map((row) => ({ type: 'backup', ownerId, imageId: row.id })),
  );
  // Marked after the messages are queued: a failed send leaves them as they were, for the next run.
  await db
    .update(images)
    .set({ backupStatus: 'pending' })
    .where(
      and(
        eq(images.ownerId, ownerId),
        inList(
          images.id,
          rows.map((row) => row.id),
        ),
        inList(images.backupStatus, ['none', 'failed']),
      ),
    );
  return rows.length;
}

/**
 * The 03:00 UTC catch-up: for every owner with an enabled destination (a bounded page of owners per run, in id
 * order), queues up to 100 images that want a backup. Idempotent and safe to run late or twice.
 */
export async function runBackupCatchUp(
  db: Database,
  queue: Queue<BackupsQueueMessage>,
  now: Date,
): Promise<{ owners: number; queued: number; ownersWithMore: number }> {
  let owners = 0;
  let queued = 0;
  let ownersWithMore = 0;
  let after = '';
  for (;;) {
    const page = await db
      .select({ ownerId: backupConfigs.ownerId })
      .from(backupConfigs)
      .where(and(eq(backupConfigs.isEnabled, true), gt(backupConfigs.ownerId, after)))
      .orderBy(asc(backupConfigs.ownerId))
      .limit(100);
    for (const { ownerId } of page) {
      const count = await queueOwnerBackups(db, queue, ownerId, now, BACKUPS.catchUpPerOwner);
      owners += 1;
      queued += count;
      if (count === BACKUPS.catchUpPerOwner) ownersWithMore += 1;
    }
    if (page.length < 100 || owners >= BACKUPS.catchUpOwnersPerRun) break;
    after = page[page.length - 1]!.ownerId;
  }
  return { owners, queued, ownersWithMore };
}

/** Counts by state, the last success and the last error, for GET /v1/backup/status and the dashboard. */
export async function backupStatusOf(db: Database, ownerId: string): Promise<BackupStatus> {
  const config = await findBackupConfig(db, ownerId);
  const rows = await db
    .select({ state: images.backupStatus, count: sql<number>`count(*)` })
    .from(images)
    .where(and(eq(images.ownerId, ownerId), eq(images.status, 'ready'), isNull(images.deletedAt)))
    .groupBy(images.backupStatus);
  const counts = { none: 0, pending: 0, done: 0, failed: 0 };
  for (const row of rows) counts[row.state] = Number(row.count);
  return {
    configured: config !== null,
    enabled: config?.isEnabled ?? false,
    counts,
    originals_in_bucket: await originalsInBucket(db, ownerId),
    last_success_at: config?.lastSyncAt?.toISOString() ?? null,
    last_error: config?.lastError ?? null,
    last_error_at: config?.lastErrorAt?.toISOString() ?? null,
  };
}
