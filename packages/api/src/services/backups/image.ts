import { images, type Database, type Image } from '@pixelflare/database';
import type { ImageBackup } from '@pixelflare/shared';
import { and, eq } from 'drizzle-orm';
import { sendBackupMessages, type BackupsQueueMessage } from '../../jobs/messages';
import { conflict } from '../../lib/errors';
import { findBackupConfig, requireBackupConfig } from './config';
import { backupKeysOf, extensionOf } from './layout';

/** One image's backup state, for the image page: its status, the last error, where its original is. */
export async function imageBackupOf(db: Database, image: Image): Promise<ImageBackup> {
  const config = await findBackupConfig(db, image.ownerId);
  return {
    status: image.backupStatus,
    error: image.backupError,
    at: image.backupAt?.toISOString() ?? null,
    attempts: image.backupAttempts,
    original_in: image.originalIn,
    key: config ? backupKeysOf(config.prefix, image.ownerId, image.id, extensionOf(image)).original : null,
  };
}

/** "Back up this one": queues the image's backup now (a redelivery uploads nothing twice) and marks it pending. */
export async function queueImageBackup(
  db: Database,
  queue: Queue<BackupsQueueMessage>,
  image: Image,
): Promise<void> {
  const config = await requireBackupConfig(db, image.ownerId);
  if (!config.isEnabled) throw conflict('Backups are disabled for this destination; enable them first');
  // Marked first: the consumer may finish before a later update would land (and a lost message stays
  // `pending`, which the 03:00 catch-up queues again).
  await db
    .update(images)
    .set({ backupStatus: 'pending' })
    .where(and(eq(images.id, image.id), eq(images.ownerId, image.ownerId)));
  await sendBackupMessages(queue, [{ type: 'backup', ownerId: image.ownerId, imageId: image.id }]);
}
