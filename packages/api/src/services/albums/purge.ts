import { ALBUM_PURGE_PAGE_SIZE } from '@pixelflare/config';
import { albums, images, users, type Database } from '@pixelflare/database';
import type { AlbumVisibility } from '@pixelflare/shared';
import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import { inList } from '../../lib/sql';
import { sendVariantsMessage, type VariantsQueueMessage } from '../../jobs/messages';
import { AppError } from '../../lib/errors';
import { purgeImageFromCdnCache } from '../variants/cdn-cache';

export interface AlbumPurgePage {
  ownerId: string;
  albumId: string;
  /** The last image id a previous page purged; the first page has none. */
  after?: string;
}

/**
 * Drops the cached CDN answers of one page of an album's live images (in id order), for when the album stops
 * being public: a cache hit never reads D1, so it would keep serving them. Idempotent (deleting twice is
 * harmless). Returns where the next page starts, or null when this was the last.
 */
export async function purgeAlbumPageFromCdnCache(
  db: Database,
  cache: Cache,
  page: AlbumPurgePage,
  pageSize = ALBUM_PURGE_PAGE_SIZE,
): Promise<{ next: string | null; purged: number }> {
  const rows = await db
    .select({
      id: images.id,
      ownerSlug: users.slug,
      albumSlug: images.albumSlug,
      filename: images.filename,
      shortId: images.shortId,
    })
    .from(images)
    .innerJoin(users, eq(users.id, images.ownerId))
    .where(
      and(
        eq(images.ownerId, page.ownerId),
        eq(images.albumId, page.albumId),
        isNull(images.deletedAt),
        page.after ? gt(images.id, page.after) : undefined,
      ),
    )
    .orderBy(asc(images.id))
    .limit(pageSize + 1);
  const batch = rows.slice(0, pageSize);
  for (const image of batch) await purgeImageFromCdnCache(cache, image);
  return { next: rows.length > pageSize ? (batch.at(-1)?.id ?? null) : null, purged: batch.length };
}

/**
 * An album set private (even if it already was, so saving again retries) gets its cached public answers purged
 * off the request: the first page is queued, each page queues the next. The album is already saved; a queue that
 * refuses the message is a 503 saying so.
 */
export async function purgeAlbumWhenHidden(
  queue: Queue<VariantsQueueMessage>,
  album: { id: string; ownerId: string; forcedTransform?: string | null },
  changes: { visibility?: AlbumVisibility; forced_transform?: string | null },
): Promise<void> {
  // A forced transform set, changed or dropped changes what every public URL of the album answers.
  const forcedChanged =
    changes.forced_transform !== undefined && changes.forced_transform !== (album.forcedTransform ?? null);
  if (changes.visibility !== 'private' && !forcedChanged) return;
  try {
    await sendVariantsMessage(queue, { type: 'purge-album', ownerId: album.ownerId, albumId: album.id });
  } catch {
    throw new AppError(
      503,
      'SERVICE_UNAVAILABLE',
      'The album was saved, but purging its images from the CDN cache could not be queued: save it again',
    );
  }
}

/**
 * The albums that force one of `transformNames` get their cached answers purged (queued, page by page), for when
 * what those transforms draw changes. A queue refusal is a 503 after the change is saved.
 */
export async function purgeAlbumsForcing(
  deps: { db: Database; variantsQueue: Queue<VariantsQueueMessage> },
  ownerId: string,
  transformNames: readonly string[],
): Promise<void> {
  if (transformNames.length === 0) return;
  const forcing = await deps.db
    .select({ id: albums.id })
    .from(albums)
    .where(and(eq(albums.ownerId, ownerId), inList(albums.forcedTransform, [...transformNames])));
  try {
    for (const album of forcing)
      await sendVariantsMessage(deps.variantsQueue, { type: 'purge-album', ownerId, albumId: album.id });
  } catch {
    throw new AppError(
      503,
      'SERVICE_UNAVAILABLE',
      'The change was saved, but purging the albums that force it from the CDN cache could not be queued: save it again',
    );
  }
}
