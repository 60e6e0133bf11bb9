import type { ImageContentType } from '@pixelflare/config';
import { albums, images, users, type Database } from '@pixelflare/database';
import type { CdnImageAddress } from '@pixelflare/shared';
import { and, eq, isNull } from 'drizzle-orm';

/** What the CDN needs to know about an image: one indexed read. */
export interface CdnImage {
  id: string;
  ownerId: string;
  ownerSlug: string;
  albumSlug: string;
  filename: string;
  shortId: string;
  storageKey: string;
  contentType: ImageContentType;
  width: number;
  height: number;
  isAnimated: boolean;
  /** The image or its album is private: served only with a valid signature. */
  isPrivate: boolean;
  /** Encrypted at rest: never served on its public URL, only with an access token (cdn/encrypted.ts). */
  isEncrypted: boolean;
  /** Where the original is: R2, or only the owner's bucket (bring your own storage, services/backups/originals). */
  originalIn: 'r2' | 'byos';
  /** Its album's forced transform (a watermark over every public rendition), or null. */
  forcedTransform: string | null;
}

/**
 * The one rule for whether the CDN needs a signature: the image is private, or its album is. The image resource's
 * `access` uses it too, so the API never says "public" for an image the CDN refuses unsigned.
 */
export function servedSignedOnly(imagePrivate: boolean, albumPrivate: boolean | null | undefined): boolean {
  return imagePrivate || albumPrivate === true;
}

/** A live (not trashed, fully uploaded) image by public path or short id; `null` otherwise. */
export async function findCdnImage(db: Database, ref: CdnImageAddress): Promise<CdnImage | null> {
  const where =
    ref.kind === 'short'
      ? eq(images.shortId, ref.shortId)
      : and(eq(users.slug, ref.owner), eq(images.albumSlug, ref.album), eq(images.filename, ref.filename));
  const row = await db
    .select({
      id: images.id,
      ownerId: images.ownerId,
      ownerSlug: users.slug,
      albumSlug: images.albumSlug,
      filename: images.filename,
      shortId: images.shortId,
      storageKey: images.storageKey,
      contentType: images.contentType,
      width: images.width,
      height: images.height,
      isAnimated: images.isAnimated,
      isEncrypted: images.isEncrypted,
      originalIn: images.originalIn,
      imagePrivate: images.isPrivate,
      albumPrivate: albums.isPrivate,
      forcedTransform: albums.forcedTransform,
      status: images.status,
      disabledAt: users.disabledAt,
    })
    .from(images)
    .innerJoin(users, eq(users.id, images.ownerId))
    .leftJoin(albums, eq(albums.id, images.albumId))
    .where(and(where, isNull(images.deletedAt)))
    .get();
  if (!row || row.status !== 'ready' || row.disabledAt) return null;
  const { imagePrivate, albumPrivate, status: _status, disabledAt: _disabled, ...image } = row;
  return { ...image, isPrivate: servedSignedOnly(imagePrivate, albumPrivate) };
}
