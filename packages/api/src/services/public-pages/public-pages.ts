import { PUBLIC_PAGE_LIMITS } from '@pixelflare/config';
import { albums, images, users, type Database } from '@pixelflare/database';
import { pageOf, type ImagePlaceholder, type Page } from '@pixelflare/shared';
import { and, desc, eq, exists, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { decodeCursor, encodeCursor, invalidCursor } from '../../lib/cursor';
import { inList } from '../../lib/sql';
import { placeholdersByImage } from '../analysis/stored';

/** What a visitor may see of an owner: never their email, plan or anything else on the users row. */
export interface PublicOwner {
  slug: string;
  displayName: string | null;
  bio: string | null;
  website: string | null;
  github: string | null;
  avatarUrl: string | null;
}

export interface PublicImage {
  id: string;
  albumSlug: string;
  filename: string;
  title: string | null;
  alt: string | null;
  width: number;
  height: number;
  createdAt: Date;
  /** Shown behind the image while it loads; null until the variants job has worked it out. */
  placeholder: ImagePlaceholder | null;
}

export interface PublicAlbum {
  slug: string;
  title: string;
  description: string | null;
  /** Listed on the profile (public); an unlisted album has a page of its own but is never listed. */
  listed: boolean;
  updatedAt: Date;
  cover: PublicImage | null;
}

const imageColumns = {
  id: images.id,
  albumSlug: images.albumSlug,
  filename: images.filename,
  title: images.title,
  alt: images.alt,
  width: images.width,
  height: images.height,
  createdAt: images.createdAt,
};

/**
 * An image a visitor may see: live, fully uploaded, public, not encrypted, not flagged NSFW, and not in a private
 * album. `listedOnly` also leaves out images in unlisted albums (the profile's grid); an album's own page shows
 * them. Used with a left join on the image's album.
 */
function visibleImage(ownerId: string | typeof users.id, listedOnly: boolean): SQL {
  return and(
    eq(images.ownerId, ownerId),
    isNull(images.deletedAt),
    eq(images.status, 'ready'),
    eq(images.isPrivate, false),
    eq(images.isEncrypted, false),
    eq(images.nsfw, false),
    or(
      isNull(images.albumId),
      and(
        eq(albums.isPrivate, false),
        isNull(albums.deletedAt),
        listedOnly ? eq(albums.isUnlisted, false) : undefined,
      ),
    ),
  )!;
}

/** An album listed on its owner's profile and sitemap: live, public, not unlisted. */
const listedAlbum = (ownerId: string) =>
  and(
    eq(albums.ownerId, ownerId),
    isNull(albums.deletedAt),
    eq(albums.isPrivate, false),
    eq(albums.isUnlisted, false),
  );

/** The owner behind a public page; `null` for an unknown or disabled account. */
async function ownerBySlug(db: Database, slug: string): Promise<(PublicOwner & { id: string }) | null> {
  const row = await db
    .select({
      id: users.id,
      slug: users.slug,
      displayName: users.displayName,
      bio: users.bio,
      website: users.website,
      github: users.github,
      avatarUrl: users.avatarUrl,
      disabledAt: users.disabledAt,
    })
    .from(users)
    .where(eq(users.slug, slug))
    .get();
  if (!row || row.disabledAt) return null;
  const { disabledAt: _disabled, ...owner } = row;
  return owner;
}

/** A page of visible images, newest first, after `cursor` (keyset on created_at, id). */
async function imagePage(
  db: Database,
  where: SQL,
  cursor: string | undefined,
): Promise<Page<StoredPublicImage>> {
  const limit = PUBLIC_PAGE_LIMITS.imagesPerPage;
  let after: SQL | undefined;
  if (cursor) {
    const { v, id } = decodeCursor(cursor);
    if (typeof v !== 'number') throw invalidCursor();
    const at = new Date(v);
    after = or(lt(images.createdAt, at), and(eq(images.createdAt, at), lt(images.id, id)));
  }
  const rows = await db
    .select(imageColumns)
    .from(images)
    .leftJoin(albums, eq(albums.id, images.albumId))
    .where(and(where, after))
    .orderBy(desc(images.createdAt), desc(images.id))
    .limit(limit + 1);
  return pageOf(rows, limit, (last) => encodeCursor({ v: last.createdAt.getTime(), id: last.id }));
}

type StoredPublicImage = Omit<PublicImage, 'placeholder'>;

/** The images of a page (its grid and its covers) with their placeholders, read in one query. */
async function withPlaceholders(
  db: Database,
  page: Page<StoredPublicImage>,
  covers: Map<string, StoredPublicImage>,
): Promise<{ page: Page<PublicImage>; covers: Map<string, PublicImage> }> {
  const ids = [...new Set([...page.data, ...covers.values()].map((image) => image.id))];
  const placeholders = await placeholdersByImage(db, ids);
  const placed = (image: StoredPublicImage): PublicImage => ({
    ...image,
    placeholder: placeholders.get(image.id) ?? null,
  });
  return {
    page: { ...page, data: page.data.map(placed) },
    covers: new Map([...covers].map(([album, image]) => [album, placed(image)])),
  };
}

/**
 * Each album's cover as a visitor sees it: the cover the owner chose if it is visible, else the album's newest
 * visible image; `null` for an album with nothing visible. One query for the whole list.
 */
async function coversOf(
  db: Database,
  ownerId: string,
  albumRows: { id: string; coverImageId: string | null }[],
): Promise<Map<string, StoredPublicImage>> {
  if (albumRows.length === 0) return new Map();
  const chosen = albumRows.flatMap((album) => (album.coverImageId ? [album.coverImageId] : []));
  const ranked = db
    .select({
      ...imageColumns,
      albumId: sql<string>`${images.albumId}`.as('cover_album_id'),
      rank: sql<number>`row_number() over (partition by ${images.albumId} order by ${
        chosen.length > 0 ? sql`${inList(images.id, chosen)} desc, ` : sql``
      }${images.createdAt} desc, ${images.id} desc)`.as('cover_rank'),
    })
    .from(images)
    .leftJoin(albums, eq(albums.id, images.albumId))
    .where(
      and(
        visibleImage(ownerId, false),
        inList(
          images.albumId,
          albumRows.map((album) => album.id),
        ),
      ),
    )
    .as('ranked');
  const rows = await db.select().from(ranked).where(eq(ranked.rank, 1));
  return new Map(rows.map(({ albumId, rank: _rank, ...image }) => [albumId, image]));
}

export interface PublicProfile {
  owner: PublicOwner;
  albums: PublicAlbum[];
  images: Page<PublicImage>;
}

/** An owner's public profile: who they are, their listed albums with covers, and a page of their images. */
export async function publicProfile(
  db: Database,
  ownerSlug: string,
  cursor?: string,
): Promise<PublicProfile | null> {
  const owner = await ownerBySlug(db, ownerSlug);
  if (!owner) return null;
  const albumRows = await db
    .select()
    .from(albums)
    .where(listedAlbum(owner.id))
    .orderBy(desc(albums.createdAt), desc(albums.id))
    .limit(PUBLIC_PAGE_LIMITS.albumsListed);
  const { covers, page } = await withPlaceholders(
    db,
    ...(await Promise.all([
      imagePage(db, visibleImage(owner.id, true), cursor),
      coversOf(db, owner.id, albumRows),
    ])),
  );
  const { id: _id, ...visible } = owner;
  return {
    owner: visible,
    // An album with nothing a visitor may see is not listed.
    albums: albumRows.flatMap((album) => {
      const cover = covers.get(album.id);
      return cover ? [publicAlbumOf(album, cover)] : [];
    }),
    images: page,
  };
}

function publicAlbumOf(album: typeof albums.$inferSelect, cover: PublicImage | null): PublicAlbum {
  return {
    slug: album.slug,
    title: album.title,
    description: album.description,
    listed: !album.isUnlisted,
    updatedAt: album.updatedAt,
    cover,
  };
}

export interface PublicAlbumPage {
  owner: PublicOwner;
  album: PublicAlbum;
  images: Page<PublicImage>;
}

/** One public or unlisted album's page; `null` for a private, trashed or unknown album. */
export async function publicAlbumPage(
  db: Database,
  ownerSlug: string,
  albumSlug: string,
  cursor?: string,
): Promise<PublicAlbumPage | null> {
  const owner = await ownerBySlug(db, ownerSlug);
  if (!owner) return null;
  const album = await db
    .select()
    .from(albums)
    .where(
      and(
        eq(albums.ownerId, owner.id),
        eq(albums.slug, albumSlug),
        isNull(albums.deletedAt),
        eq(albums.isPrivate, false),
      ),
    )
    .get();
  if (!album) return null;
  const { covers, page } = await withPlaceholders(
    db,
    ...(await Promise.all([
      imagePage(db, and(visibleImage(owner.id, false), eq(images.albumId, album.id))!, cursor),
      coversOf(db, owner.id, [album]),
    ])),
  );
  const { id: _id, ...visible } = owner;
  return { owner: visible, album: publicAlbumOf(album, covers.get(album.id) ?? null), images: page };
}

/** The pages of an owner's sitemap: the profile and each listed album, with when each last changed. */
export async function publicSitemap(
  db: Database,
  ownerSlug: string,
): Promise<{ updatedAt: Date; albums: { slug: string; updatedAt: Date }[] } | null> {
  const owner = await ownerBySlug(db, ownerSlug);
  if (!owner) return null;
  const rows = await db
    .select({ slug: albums.slug, updatedAt: albums.updatedAt })
    .from(albums)
    .where(
      and(
        listedAlbum(owner.id),
        // As on the profile, an album with nothing a visitor may see is left out (its page would be empty).
        exists(
          db
            .select({ one: sql`1` })
            .from(images)
            .where(and(visibleImage(owner.id, true), eq(images.albumId, albums.id))),
        ),
      ),
    )
    .orderBy(desc(albums.updatedAt))
    .limit(PUBLIC_PAGE_LIMITS.sitemapAlbums);
  const [newest] = await db
    .select({ createdAt: images.createdAt })
    .from(images)
    .leftJoin(albums, eq(albums.id, images.albumId))
    .where(visibleImage(owner.id, true))
    .orderBy(desc(images.createdAt))
    .limit(1);
  const times = [newest?.createdAt.getTime() ?? 0, ...rows.map((row) => row.updatedAt.getTime())];
  return {
    updatedAt: new Date(Math.max(...times)),
    albums: rows.map(({ slug, updatedAt }) => ({ slug, updatedAt })),
  };
}

/**
 * Owners a visitor can find: not disabled, with at least one image their profile shows (an empty profile is not
 * worth a crawler's visit). Correlated on `users.id`, so it reads each owner's newest visible image at most.
 */
const findableOwner = (db: Database) =>
  and(
    isNull(users.disabledAt),
    exists(
      db
        .select({ one: sql`1` })
        .from(images)
        .leftJoin(albums, eq(albums.id, images.albumId))
        .where(visibleImage(users.id, true)),
    ),
  );

/** How many pages the product's sitemap index has (at least one, empty or not). */
export async function sitemapIndexPages(db: Database): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)` })
    .from(users)
    .where(findableOwner(db));
  return Math.max(1, Math.ceil((row?.count ?? 0) / PUBLIC_PAGE_LIMITS.sitemapIndexEntries));
}

/**
 * One page (from 1) of the product's sitemap index: the slugs of findable owners, in slug order, at most
 * `PUBLIC_PAGE_LIMITS.sitemapIndexEntries` a page; each owner's own sitemap lists its profile and listed albums.
 */
export async function sitemapIndexPage(db: Database, page: number): Promise<string[]> {
  const size = PUBLIC_PAGE_LIMITS.sitemapIndexEntries;
  const rows = await db
    .select({ slug: users.slug })
    .from(users)
    .where(findableOwner(db))
    .orderBy(users.slug)
    .limit(size)
    .offset((page - 1) * size);
  return rows.map((row) => row.slug);
}
