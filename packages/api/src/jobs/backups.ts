import { BackupsQueueMessage } from './messages';
import type { JobContext } from './context';
import { backupSettingsOf } from '../services/backups/settings';
import type { BackupDeps } from '../services/backups/layout';
import { backupImage, deleteImageBackup } from '../services/backups/sync';
import { runBackupCatchUp } from '../services/backups/catch-up';

function depsOf(ctx: JobContext): BackupDeps {
  return { db: ctx.db, bucket: ctx.env.IMAGES_BUCKET, settings: backupSettingsOf(ctx.config) };
}

/**
 * The backups queue's consumer: one image's backup, or a purged image's backup removed (by policy). A failure
 * throws after recording `failed` with S3's error on the row, so the queue retries it (then the DLQ); the 03:00
 * catch-up queues it again after its backoff. A malformed body can never succeed and is dropped with a log line.
 */
export async function consumeBackupMessage(body: unknown, ctx: JobContext): Promise<void> {
  const parsed = BackupsQueueMessage.safeParse(body);
  if (!parsed.success) {
    ctx.logger.error('malformed backups message; dropping it', { body });
    return;
  }
  const message = parsed.data;
  if (message.type === 'delete') {
    const outcome = await deleteImageBackup(depsOf(ctx), message.ownerId, message.imageId, message.extension);
    ctx.logger.info('backup of a purged image', { imageId: message.imageId, outcome });
    return;
  }
  const outcome = await backupImage(depsOf(ctx), message.ownerId, message.imageId);
  ctx.logger.info('backup', { imageId: message.imageId, ...outcome });
}

/** The 03:00 UTC catch-up: what the queue missed, and failures past their backoff. */
export async function runBackupSync(ctx: JobContext, now: Date): Promise<Record<string, unknown>> {
  return runBackupCatchUp(ctx.db, ctx.env.BACKUPS_QUEUE, now);
}
