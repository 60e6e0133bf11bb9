import { favourites, images, type Database, type Image } from '@pixelflare/database';
import { cdnPathUrl, cdnShortUrl, type CdnUrlBase, type ImageResource } from '@pixelflare/shared';
import { and, eq, inArray, isNull, or } from 'drizzle-orm';
import { notFound } from '../../lib/errors';
import { tagsByImage } from '../tags/tags';

/** Who owns the images being shown and where their CDN URLs point. */
export interface ImageView {
  ownerId: string;
  ownerSlug: string;
  cdn: CdnUrlBase;
}

export function toImageResource(
  image: Image,
  view: ImageView,
  extra: { tags: string[]; favourite: boolean },
): ImageResource {
  return {
    id: image.id,
    short_id: image.shortId,
    filename: image.filename,
    album: image.albumId ? image.albumSlug : null,
    content_type: image.contentType,
    bytes: image.bytes,
    width: image.width,
    height: image.height,
    is_animated: image.isAnimated,
    is_private: image.isPrivate,
    title: image.title,
    alt: image.alt,
    description: image.description,
    tags: extra.tags,
    favourite: extra.favourite,
    status: image.status,
    content_hash: image.contentHash,
    exif: image.exif,
    urls: {
      cdn: cdnPathUrl(view.cdn, view.ownerSlug, image.albumSlug, image.filename),
      short: cdnShortUrl(view.cdn, image.shortId),
    },
    created_at: image.createdAt.toISOString(),
    updated_at: image.updatedAt.toISOString(),
    deleted_at: image.deletedAt?.toISOString() ?? null,
  };
}

/** Resources for a page of images, with their tags and favourite flags in two queries. */
export async function toImageResources(
  db: Database,
  rows: Image[],
  view: ImageView,
): Promise<ImageResource[]> {
  const ids = rows.map((row) => row.id);
  const [tagMap, favouriteRows] = await Promise.all([
    tagsByImage(db, ids),
    ids.length === 0
      ? Promise.resolve([])
      : db
          .select({ imageId: favourites.imageId })
          .from(favourites)
          .where(and(eq(favourites.ownerId, view.ownerId), inArray(favourites.imageId, ids))),
  ]);
  const favouriteIds = new Set(favouriteRows.map((row) => row.imageId));
  return rows.map((row) =>
    toImageResource(row, view, { tags: tagMap.get(row.id) ?? [], favourite: favouriteIds.has(row.id) }),
  );
}

export async function toOneImageResource(db: Database, row: Image, view: ImageView): Promise<ImageResource> {
  const [resource] = await toImageResources(db, [row], view);
  return resource!;
}

/**
 * One of the owner's images by id or short id; another owner's id is 404 like a missing one. Pending
 * (two-step, not yet uploaded) images are not found. Trashed ones only with `trashed: 'include'`.
 */
export async function findImage(
  db: Database,
  ownerId: string,
  idOrShortId: string,
  options: { trashed?: 'exclude' | 'include' | 'only' } = {},
): Promise<Image> {
  const trashed = options.trashed ?? 'exclude';
  const [image] = await db
    .select()
    .from(images)
    .where(
      and(
        eq(images.ownerId, ownerId),
        or(eq(images.id, idOrShortId), eq(images.shortId, idOrShortId)),
        eq(images.status, 'ready'),
        trashed === 'exclude' ? isNull(images.deletedAt) : undefined,
      ),
    )
    .limit(1);
  if (!image || (trashed === 'only' && !image.deletedAt)) throw notFound('Image');
  return image;
}
