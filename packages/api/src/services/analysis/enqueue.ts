import { sendVariantsMessages, type VariantsQueueMessage } from '../../jobs/messages';

/**
 * Asks for edited images' embeddings to be made again (their title, alt text, description or tags changed), so
 * search by meaning follows the owner's words. Best effort, like a backup: the edit is already written, and a
 * message that could not be queued leaves the old embedding until the image is analysed again.
 */
export async function queueEmbeddings(
  queue: Queue<VariantsQueueMessage> | undefined,
  ownerId: string,
  imageIds: readonly string[],
): Promise<void> {
  if (!queue || imageIds.length === 0) return;
  const messages = imageIds.map((imageId) => ({ type: 'embed' as const, imageId, ownerId }));
  await sendVariantsMessages(queue, messages).catch(() => undefined);
}
