import { albums, type Album, type Database } from '@pixelflare/database';
import { and, eq, isNull, or, type SQL } from 'drizzle-orm';
import { notFound } from '../../lib/errors';

/** The owner's live album matching `match`, or 404: another owner's album answers exactly like a missing one. */
async function ownedAlbum(
  db: Database,
  ownerId: string,
  match: SQL | undefined,
  what: string,
): Promise<Album> {
  const [album] = await db
    .select()
    .from(albums)
    .where(and(eq(albums.ownerId, ownerId), match, isNull(albums.deletedAt)))
    .limit(1);
  if (!album) throw notFound(what);
  return album;
}

/** One of the owner's albums by slug (what uploads and moves name), or 404 naming the slug. */
export function albumBySlug(db: Database, ownerId: string, slug: string): Promise<Album> {
  return ownedAlbum(db, ownerId, eq(albums.slug, slug), `Album "${slug}"`);
}

/** One of the owner's albums by slug or id (the albums API's `{album}`), or 404. */
export function findAlbum(db: Database, ownerId: string, slugOrId: string): Promise<Album> {
  return ownedAlbum(db, ownerId, or(eq(albums.slug, slugOrId), eq(albums.id, slugOrId)), 'Album');
}
