import { DEFAULT_VARIANT, SHARE_LINK_LIMITS } from '@pixelflare/config';
import { albums, images, type Database, type Image } from '@pixelflare/database';
import type { ImagePlaceholder } from '@pixelflare/shared';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { placeholdersByImage } from '../analysis/stored';
import { signingOncePerPage } from '../images/resource';
import { signedImageUrl, type SigningDeps } from '../variants/signed-url';
import type { ShareLinkWithTarget } from './share-links';

/** One image as a shared page shows it, every URL signed. */
export interface SharedImageUrls {
  src: string;
  href: string;
  /** The original, when the link allows downloads. */
  original?: string;
  width: number;
  height: number;
  alt: string;
  /** Shown behind the image while it loads (never for an encrypted image: none is shared). */
  placeholder: ImagePlaceholder | null;
}

export type SharedContent =
  | { kind: 'image'; title: string; image: SharedImageUrls }
  | {
      kind: 'album';
      title: string;
      description: string | null;
      images: SharedImageUrls[];
      truncated: boolean;
    };

const imageColumns = {
  id: images.id,
  albumSlug: images.albumSlug,
  filename: images.filename,
  title: images.title,
  alt: images.alt,
  width: images.width,
  height: images.height,
};
type ImageRow = Pick<Image, keyof typeof imageColumns>;

/**
 * Signed URLs end with the link's life or after `SHARE_LINK_LIMITS.imageUrlSeconds`, whichever is first: a URL
 * copied off the page stops working soon, and never outlives the link. (Signed answers are never put in the edge
 * cache, which files only unsigned requests.)
 */
export function sharedUrlExpiry(link: { expiresAt: Date | null }, now: number): number {
  const until = Math.min(
    now + SHARE_LINK_LIMITS.imageUrlSeconds * 1000,
    link.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY,
  );
  return Math.max(Math.floor(now / 1000) + 1, Math.floor(until / 1000));
}

async function signedUrls(
  signing: SigningDeps,
  owner: { ownerId: string; ownerSlug: string },
  image: ImageRow,
  options: {
    preview: string;
    allowDownload: boolean;
    expires: number;
    placeholders: Map<string, ImagePlaceholder>;
  },
): Promise<SharedImageUrls> {
  const target = { ...owner, albumSlug: image.albumSlug, filename: image.filename };
  const sign = (variant?: string) => signedImageUrl(signing, target, { variant, expires: options.expires });
  const [src, large, original] = await Promise.all([
    sign(options.preview),
    options.preview === DEFAULT_VARIANT ? undefined : sign(DEFAULT_VARIANT),
    options.allowDownload ? sign() : undefined,
  ]);
  return {
    src: src!,
    href: original ?? large ?? src!,
    ...(original ? { original } : {}),
    width: image.width,
    height: image.height,
    alt: image.alt ?? image.title ?? '',
    placeholder: options.placeholders.get(image.id) ?? null,
  };
}

/**
 * What a counted view shows: the image, or the album's newest images (live, ready, not encrypted: an encrypted
 * image's bytes need the owner's key, which a shared page never has). Private images are included: the owner
 * shared them, and signed URLs are how the CDN serves them.
 */
export async function sharedContent(
  db: Database,
  signing: SigningDeps,
  row: ShareLinkWithTarget & { ownerSlug: string },
  now: number,
): Promise<SharedContent | null> {
  const { link } = row;
  const owner = { ownerId: link.ownerId, ownerSlug: row.ownerSlug };
  const expires = sharedUrlExpiry(link, now);
  const allowDownload = link.allowDownload;
  if (link.imageId) {
    const [image] = await db
      .select(imageColumns)
      .from(images)
      .where(
        and(
          eq(images.id, link.imageId),
          eq(images.ownerId, link.ownerId),
          isNull(images.deletedAt),
          eq(images.status, 'ready'),
          eq(images.isEncrypted, false),
        ),
      )
      .limit(1);
    if (!image) return null;
    const placeholders = await placeholdersByImage(db, [image.id]);
    return {
      kind: 'image',
      title: image.title ?? image.filename,
      image: await signedUrls(signing, owner, image, {
        preview: DEFAULT_VARIANT,
        allowDownload,
        expires,
        placeholders,
      }),
    };
  }
  const [album] = await db
    .select({ title: albums.title, description: albums.description })
    .from(albums)
    .where(and(eq(albums.id, link.albumId ?? ''), eq(albums.ownerId, link.ownerId), isNull(albums.deletedAt)))
    .limit(1);
  if (!album) return null;
  const limit = SHARE_LINK_LIMITS.albumImages;
  const rows = await db
    .select(imageColumns)
    .from(images)
    .where(
      and(
        eq(images.albumId, link.albumId ?? ''),
        eq(images.ownerId, link.ownerId),
        isNull(images.deletedAt),
        eq(images.status, 'ready'),
        eq(images.isEncrypted, false),
      ),
    )
    .orderBy(desc(images.createdAt), desc(images.id))
    .limit(limit + 1);
  const page = signingOncePerPage(signing);
  const shown = rows.slice(0, limit);
  const placeholders = await placeholdersByImage(
    db,
    shown.map((image) => image.id),
  );
  return {
    kind: 'album',
    title: album.title,
    description: album.description,
    images: await Promise.all(
      shown.map((image) =>
        signedUrls(page, owner, image, { preview: 'w256', allowDownload, expires, placeholders }),
      ),
    ),
    truncated: rows.length > limit,
  };
}
