import { purgeAlbumPageFromCdnCache } from '../services/albums/purge';
import type { JobContext } from './context';
import { sendVariantsMessage, type PurgeAlbumMessage } from './messages';

/**
 * Purges one page and enqueues the next, so no invocation does more than a bounded number of Cache API deletes.
 * A retry purges its page again (harmless) before enqueueing the next: nothing is skipped.
 */
export async function purgeAlbumJob(message: PurgeAlbumMessage, ctx: JobContext): Promise<void> {
  const { next, purged } = await purgeAlbumPageFromCdnCache(ctx.db, caches.default, message);
  if (next) await sendVariantsMessage(ctx.env.VARIANTS_QUEUE, { ...message, after: next });
  ctx.logger.info('album purged from the CDN cache', {
    albumId: message.albumId,
    purged,
    more: next !== null,
  });
}
