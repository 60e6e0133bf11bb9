import { albums, images, type Album, type Database } from '@pixelflare/database';
import type { AlbumCreate, AlbumResource, AlbumUpdate } from '@pixelflare/shared';
import { and, asc, eq, gt, isNull, or } from 'drizzle-orm';
import { AppError, badRequest, notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { outboxInsert } from '../events/outbox';
import { trashImage } from '../images/manage';
import type { ImageView } from '../images/resource';

export function toAlbumResource(album: Album): AlbumResource {
  return {
    id: album.id,
    slug: album.slug,
    title: album.title,
    description: album.description,
    visibility: album.isPrivate ? 'private' : 'public',
    cover_image_id: album.coverImageId,
    image_count: album.imageCount,
    created_at: album.createdAt.toISOString(),
    updated_at: album.updatedAt.toISOString(),
  };
}

/** One of the owner's albums by slug or id; another owner's answers 404. */
export async function findAlbum(db: Database, ownerId: string, slugOrId: string): Promise<Album> {
  const [album] = await db
    .select()
    .from(albums)
    .where(
      and(
        eq(albums.ownerId, ownerId),
        or(eq(albums.slug, slugOrId), eq(albums.id, slugOrId)),
        isNull(albums.deletedAt),
      ),
    )
    .limit(1);
  if (!album) throw notFound('Album');
  return album;
}

/** Albums ordered by slug; the cursor is the last slug seen. */
export async function listAlbums(db: Database, ownerId: string, limit: number, cursor?: string) {
  const rows = await db
    .select()
    .from(albums)
    .where(
      and(
        eq(albums.ownerId, ownerId),
        isNull(albums.deletedAt),
        cursor ? gt(albums.slug, cursor) : undefined,
      ),
    )
    .orderBy(asc(albums.slug))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: rows.length > limit ? (page.at(-1)?.slug ?? null) : null };
}

/**
 * A cover must be one of the owner's live images. A refusal is a 400 on the field (not a 404, which would read
 * as a missing album); another tenant's id gets the same answer as one that does not exist.
 */
async function assertCoverIsOwned(db: Database, ownerId: string, imageId: string | null | undefined) {
  if (!imageId) return;
  const [image] = await db
    .select({ id: images.id })
    .from(images)
    .where(
      and(
        eq(images.id, imageId),
        eq(images.ownerId, ownerId),
        eq(images.status, 'ready'),
        isNull(images.deletedAt),
      ),
    )
    .limit(1);
  if (!image)
    throw badRequest('The cover must be one of your images', [
      { path: 'cover_image_id', message: 'not one of your images' },
    ]);
}

export async function createAlbum(db: Database, ownerId: string, input: AlbumCreate): Promise<Album> {
  const [taken] = await db
    .select({ id: albums.id })
    .from(albums)
    .where(and(eq(albums.ownerId, ownerId), eq(albums.slug, input.slug)))
    .limit(1);
  if (taken) throw new AppError(409, 'CONFLICT', `You already have an album "${input.slug}"`);
  await assertCoverIsOwned(db, ownerId, input.cover_image_id);
  const now = new Date();
  // The full row as stored, so the event carries the resource the API answers with.
  const album: Album = {
    id: newId('alb'),
    ownerId,
    slug: input.slug,
    title: input.title,
    description: input.description ?? null,
    isPrivate: input.visibility === 'private',
    coverImageId: input.cover_image_id ?? null,
    imageCount: 0,
    deletedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await db.batch([
    db.insert(albums).values(album),
    outboxInsert(db, ownerId, 'album.created', toAlbumResource(album)),
  ]);
  return findAlbum(db, ownerId, album.id);
}

export async function updateAlbum(
  db: Database,
  album: Album,
  changes: AlbumUpdate,
  now = new Date(),
): Promise<Album> {
  await assertCoverIsOwned(db, album.ownerId, changes.cover_image_id);
  const set = {
    ...(changes.title !== undefined ? { title: changes.title } : {}),
    ...(changes.description !== undefined ? { description: changes.description } : {}),
    ...(changes.visibility !== undefined ? { isPrivate: changes.visibility === 'private' } : {}),
    ...(changes.cover_image_id !== undefined ? { coverImageId: changes.cover_image_id } : {}),
    updatedAt: now,
  };
  await db.batch([
    db.update(albums).set(set).where(eq(albums.id, album.id)),
    outboxInsert(db, album.ownerId, 'album.updated', toAlbumResource({ ...album, ...set })),
  ]);
  return findAlbum(db, album.ownerId, album.id);
}

/**
 * Deletes an album. A non-empty album is refused (409) unless `deleteImages`, which moves its images to the
 * trash first (restorable; they come back outside any album). `view` shapes those images' events.
 */
export async function deleteAlbum(
  db: Database,
  album: Album,
  deleteImages: boolean,
  view: ImageView,
): Promise<void> {
  const inAlbum = await db
    .select()
    .from(images)
    .where(and(eq(images.albumId, album.id), isNull(images.deletedAt), eq(images.status, 'ready')));
  if (inAlbum.length > 0 && !deleteImages) {
    throw new AppError(
      409,
      'CONFLICT',
      `The album has ${inAlbum.length} images; move them or pass delete_images=true`,
    );
  }
  for (const image of inAlbum) await trashImage(db, image, view);
  // Read again: trashing its images changed the album's count.
  const last = inAlbum.length > 0 ? await findAlbum(db, album.ownerId, album.id) : album;
  await db.batch([
    db.delete(albums).where(eq(albums.id, album.id)),
    outboxInsert(db, album.ownerId, 'album.deleted', toAlbumResource(last)),
  ]);
}
