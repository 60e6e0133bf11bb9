import { sendBackupMessages, type BackupsQueueMessage } from '../../jobs/messages';

/**
 * Asks for a backup after a change to an image (upload, rename, move, restore, purge). Best effort: the change is
 * already written, and a message that could not be queued is found by the 03:00 catch-up (images not `done`).
 * Every owner's changes are queued; the consumer does nothing for an owner without a destination.
 */
export async function queueBackup(
  queue: Queue<BackupsQueueMessage> | undefined,
  message: BackupsQueueMessage,
): Promise<void> {
  if (!queue) return;
  await sendBackupMessages(queue, [message]).catch(() => undefined);
}
