import { z } from 'zod';
import { purgeAlbumPageFromCdnCache } from '../services/albums/purge';
import type { JobContext } from './queues';

/** Sent when an album is made private: purge its images' cached public answers, one page per message. */
export const PurgeAlbumMessage = z.object({
  type: z.literal('purge-album'),
  ownerId: z.string().min(1),
  albumId: z.string().min(1),
  /** The last image id the previous page purged; absent on the first page. */
  after: z.string().min(1).optional(),
});
export type PurgeAlbumMessage = z.infer<typeof PurgeAlbumMessage>;

/**
 * Purges one page and enqueues the next, so no invocation does more than a bounded number of Cache API deletes.
 * A retry purges its page again (harmless) before enqueueing the next: nothing is skipped.
 */
export async function purgeAlbumJob(message: PurgeAlbumMessage, ctx: JobContext): Promise<void> {
  const { next, purged } = await purgeAlbumPageFromCdnCache(ctx.db, caches.default, message);
  if (next) await ctx.env.VARIANTS_QUEUE.send({ ...message, after: next } satisfies PurgeAlbumMessage);
  ctx.logger.info('album purged from the CDN cache', {
    albumId: message.albumId,
    purged,
    more: next !== null,
  });
}
