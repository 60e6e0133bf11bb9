import { albums, images, type Album, type Database } from '@pixelflare/database';
import {
  cdnShortUrl,
  pageOf,
  type AlbumCreate,
  type AlbumResource,
  type AlbumUpdate,
  type AlbumVisibility,
  type Page,
} from '@pixelflare/shared';
import { aliasedTable, and, asc, eq, gt, isNull } from 'drizzle-orm';
import { AppError, badRequest } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { inList, isUniqueViolation } from '../../lib/sql';
import { outboxInsert } from '../events/outbox';
import { trashImage, type ImageStore } from '../images/manage';
import { findAlbum } from './lookup';
import { purgeAlbumWhenHidden } from './purge';
import type { VariantsQueueMessage } from '../../jobs/messages';
import { signedThumbnailExpiry, signingOncePerPage, type ImageView } from '../images/resource';
import { servedSignedOnly } from '../variants/lookup';
import { signedImageUrl } from '../variants/signed-url';
import { assertForcible } from '../variants/named-transforms';

/** An image view (which signs private covers' thumbnails) and the time they are minted at (ms). */
export interface AlbumView extends ImageView {
  now: number;
}

type AlbumCover = NonNullable<AlbumResource['cover']>;

/** Cover thumbnails of a page of albums in one query; a cover that is trashed (or gone) is left out. */
async function coversOf(db: Database, rows: Album[], view: AlbumView): Promise<Map<string, AlbumCover>> {
  const ids = [...new Set(rows.flatMap((album) => album.coverImageId ?? []))];
  if (ids.length === 0) return new Map();
  // The cover's own album decides with its flag, as on the CDN (a cover may live in another album).
  const home = aliasedTable(albums, 'home');
  const found = await db
    .select({
      id: images.id,
      shortId: images.shortId,
      albumSlug: images.albumSlug,
      filename: images.filename,
      imagePrivate: images.isPrivate,
      isEncrypted: images.isEncrypted,
      albumPrivate: home.isPrivate,
    })
    .from(images)
    .leftJoin(home, eq(home.id, images.albumId))
    .where(
      and(
        eq(images.ownerId, view.ownerId),
        inList(images.id, ids),
        eq(images.status, 'ready'),
        isNull(images.deletedAt),
      ),
    );
  const covers = new Map<string, AlbumCover>();
  const signing = signingOncePerPage(view.signing);
  for (const image of found) {
    // An encrypted cover's plain and signed URLs answer 404: the dashboard asks for its token thumbnail.
    if (image.isEncrypted) {
      covers.set(image.id, { id: image.id, thumb_url: null, expires_at: null });
      continue;
    }
    if (!servedSignedOnly(image.imagePrivate, image.albumPrivate)) {
      covers.set(image.id, {
        id: image.id,
        thumb_url: cdnShortUrl(view.cdn, image.shortId, 'thumb'),
        expires_at: null,
      });
      continue;
    }
    const expires = signedThumbnailExpiry(view.now);
    const thumb = await signedImageUrl(
      signing,
      {
        ownerId: view.ownerId,
        ownerSlug: view.ownerSlug,
        albumSlug: image.albumSlug,
        filename: image.filename,
      },
      { variant: 'thumb', expires },
    );
    covers.set(image.id, {
      id: image.id,
      thumb_url: thumb,
      expires_at: new Date(expires * 1000).toISOString(),
    });
  }
  return covers;
}

/** The stored flags as the API's one word (private wins over unlisted). */
export function visibilityOf(album: Pick<Album, 'isPrivate' | 'isUnlisted'>): AlbumVisibility {
  return album.isPrivate ? 'private' : album.isUnlisted ? 'unlisted' : 'public';
}

/** One visibility word as the stored flags. */
const visibilityFlags = (visibility: AlbumVisibility) => ({
  isPrivate: visibility === 'private',
  isUnlisted: visibility === 'unlisted',
});

function albumResourceOf(album: Album, covers: Map<string, AlbumCover>): AlbumResource {
  return {
    id: album.id,
    slug: album.slug,
    title: album.title,
    description: album.description,
    visibility: visibilityOf(album),
    cover_image_id: album.coverImageId,
    cover: (album.coverImageId && covers.get(album.coverImageId)) || null,
    image_count: album.imageCount,
    forced_transform: album.forcedTransform,
    created_at: album.createdAt.toISOString(),
    updated_at: album.updatedAt.toISOString(),
  };
}

/** Resources for a page of albums, their covers' thumbnails in one query. */
export async function toAlbumResources(
  db: Database,
  rows: Album[],
  view: AlbumView,
): Promise<AlbumResource[]> {
  const covers = await coversOf(db, rows, view);
  return rows.map((album) => albumResourceOf(album, covers));
}

export async function toAlbumResource(db: Database, album: Album, view: AlbumView): Promise<AlbumResource> {
  const [resource] = await toAlbumResources(db, [album], view);
  return resource!;
}

/** Albums ordered by slug; the cursor is the last slug seen. */
export async function listAlbums(
  db: Database,
  ownerId: string,
  limit: number,
  cursor?: string,
): Promise<Page<Album>> {
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
  return pageOf(rows, limit, (last) => last.slug);
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

export async function createAlbum(db: Database, view: AlbumView, input: AlbumCreate): Promise<Album> {
  const { ownerId } = view;
  const [taken] = await db
    .select({ id: albums.id })
    .from(albums)
    .where(and(eq(albums.ownerId, ownerId), eq(albums.slug, input.slug)))
    .limit(1);
  const taken409 = () => new AppError(409, 'CONFLICT', `You already have an album "${input.slug}"`);
  if (taken) throw taken409();
  await assertCoverIsOwned(db, ownerId, input.cover_image_id);
  if (input.forced_transform) await assertForcible(db, ownerId, input.forced_transform);
  const now = new Date();
  // The full row as stored, so the event carries the resource the API answers with.
  const album: Album = {
    id: newId('alb'),
    ownerId,
    slug: input.slug,
    title: input.title,
    description: input.description ?? null,
    ...visibilityFlags(input.visibility),
    coverImageId: input.cover_image_id ?? null,
    forcedTransform: input.forced_transform ?? null,
    imageCount: 0,
    deletedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await db.batch([
      db.insert(albums).values(album),
      outboxInsert(db, ownerId, 'album.created', await toAlbumResource(db, album, view)),
    ]);
  } catch (error) {
    // Created by a concurrent request between the check above and this insert (the (owner, slug) index).
    if (isUniqueViolation(error)) throw taken409();
    throw error;
  }
  return findAlbum(db, ownerId, album.id);
}

/**
 * Edits an album. Setting it private (even again), or changing its forced transform, queues the purge of its
 * images' cached public answers (`purgeAlbumWhenHidden`: a 503 if the queue refuses, the album already saved), so
 * no caller can forget it.
 */
export async function updateAlbum(
  deps: { db: Database; variantsQueue: Queue<VariantsQueueMessage> },
  view: AlbumView,
  album: Album,
  changes: AlbumUpdate,
  now = new Date(),
): Promise<Album> {
  const { db } = deps;
  await assertCoverIsOwned(db, album.ownerId, changes.cover_image_id);
  if (changes.forced_transform) await assertForcible(db, album.ownerId, changes.forced_transform);
  const set = {
    ...(changes.title !== undefined ? { title: changes.title } : {}),
    ...(changes.description !== undefined ? { description: changes.description } : {}),
    ...(changes.visibility !== undefined ? visibilityFlags(changes.visibility) : {}),
    ...(changes.cover_image_id !== undefined ? { coverImageId: changes.cover_image_id } : {}),
    ...(changes.forced_transform !== undefined ? { forcedTransform: changes.forced_transform } : {}),
    updatedAt: now,
  };
  await db.batch([
    db.update(albums).set(set).where(eq(albums.id, album.id)),
    outboxInsert(db, album.ownerId, 'album.updated', await toAlbumResource(db, { ...album, ...set }, view)),
  ]);
  await purgeAlbumWhenHidden(deps.variantsQueue, album, changes);
  return findAlbum(db, album.ownerId, album.id);
}

/**
 * Deletes an album. A non-empty album is refused (409) unless `deleteImages`, which moves its images to the
 * trash first (restorable; they come back outside any album). `view` shapes those images' events and the album's.
 */
export async function deleteAlbum(
  store: Pick<ImageStore, 'db' | 'cache'>,
  album: Album,
  deleteImages: boolean,
  view: AlbumView,
): Promise<void> {
  const { db } = store;
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
  for (const image of inAlbum) await trashImage(store, image, view);
  // Read again: trashing its images changed the album's count.
  const last = inAlbum.length > 0 ? await findAlbum(db, album.ownerId, album.id) : album;
  await db.batch([
    db.delete(albums).where(eq(albums.id, album.id)),
    outboxInsert(db, album.ownerId, 'album.deleted', await toAlbumResource(db, last, view)),
  ]);
}
