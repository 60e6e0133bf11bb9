import { SHARE_LINK_LIMITS, type ShareLinkState } from '@pixelflare/config';
import { albums, images, shareLinks, users, type Database } from '@pixelflare/database';
import {
  pageOf,
  shareLinkUrl,
  type Page,
  type ShareLinkCreate,
  type ShareLinkResource,
} from '@pixelflare/shared';
import { and, desc, eq, gt, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { sha256Hex, toBase64Url } from '../../lib/crypto';
import { decodeCursor, encodeCursor, invalidCursor } from '../../lib/cursor';
import { AppError, notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { findAlbum } from '../albums/lookup';
import { outboxInsert, outboxInsertWhen } from '../events/outbox';
import { findImage } from '../images/resource';
import { hashSharePassword } from './password';

type ShareLinkRow = typeof shareLinks.$inferSelect;

/** A link with what it shares, as the owner's listing and the visitor's page read it. */
export interface ShareLinkWithTarget {
  link: ShareLinkRow;
  imageTitle: string | null;
  imageFilename: string | null;
  albumTitle: string | null;
}

const withTarget = {
  link: shareLinks,
  imageTitle: images.title,
  imageFilename: images.filename,
  albumTitle: albums.title,
};

function selectWithTarget(db: Database) {
  return db
    .select(withTarget)
    .from(shareLinks)
    .leftJoin(images, eq(images.id, shareLinks.imageId))
    .leftJoin(albums, eq(albums.id, shareLinks.albumId));
}

/** The link's state at `now`: revoked wins, then used up, then expired. */
export function shareLinkState(link: ShareLinkRow, now: number): ShareLinkState {
  if (link.revokedAt) return 'revoked';
  if (link.maxViews !== null && link.views >= link.maxViews) return 'used_up';
  if (link.expiresAt && link.expiresAt.getTime() <= now) return 'expired';
  return 'active';
}

export function toShareLinkResource(row: ShareLinkWithTarget, now: number): ShareLinkResource {
  const { link } = row;
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  return {
    id: link.id,
    target: link.imageId
      ? { type: 'image', id: link.imageId, title: row.imageTitle ?? row.imageFilename ?? '' }
      : { type: 'album', id: link.albumId ?? '', title: row.albumTitle ?? '' },
    state: shareLinkState(link, now),
    expires_at: iso(link.expiresAt),
    has_password: link.passwordHash !== null,
    max_views: link.maxViews,
    views: link.views,
    allow_download: link.allowDownload,
    last_viewed_at: iso(link.lastViewedAt),
    revoked_at: iso(link.revokedAt),
    created_at: link.createdAt.toISOString(),
  };
}

/** The token in a link's URL: 144 random bits, base64url (24 characters). */
export const SHARE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{24}$/;

const tokenHashOf = (token: string) => sha256Hex(`share-link:${token}`);

const encryptedRefused = () =>
  new AppError(
    409,
    'CONFLICT',
    'Encrypted images cannot be shared by link: their bytes are decrypted only with your key. Use an access ' +
      'token (POST /v1/images/{id}/access-token) instead',
  );

export interface CreateShareLinkInput {
  ownerId: string;
  /** Where `/s/{token}` is served (PUBLIC_API_URL). */
  publicUrl: string;
  body: ShareLinkCreate;
  now: number;
}

/** Creates a link to one of the owner's images or albums; the URL (with its token) is returned only here. */
export async function createShareLink(
  db: Database,
  input: CreateShareLinkInput,
): Promise<{ resource: ShareLinkResource; url: string }> {
  const { ownerId, body, now } = input;
  let imageId: string | null = null;
  let albumId: string | null = null;
  if (body.image_id !== undefined) {
    const image = await findImage(db, ownerId, body.image_id);
    if (image.isEncrypted) throw encryptedRefused();
    imageId = image.id;
  } else if (body.album !== undefined) {
    albumId = (await findAlbum(db, ownerId, body.album)).id;
  }
  const token = toBase64Url(crypto.getRandomValues(new Uint8Array(SHARE_LINK_LIMITS.tokenBytes)));
  const id = newId('shl', now);
  await db.insert(shareLinks).values({
    id,
    ownerId,
    tokenHash: await tokenHashOf(token),
    imageId,
    albumId,
    expiresAt: body.expires_in === undefined ? null : new Date(now + body.expires_in * 1000),
    passwordHash: body.password === undefined ? null : hashSharePassword(body.password),
    maxViews: body.max_views ?? null,
    allowDownload: body.allow_download,
    createdAt: new Date(now),
  });
  return {
    resource: await getShareLink(db, ownerId, id, now),
    url: shareLinkUrl(input.publicUrl, token),
  };
}

export async function getShareLink(
  db: Database,
  ownerId: string,
  id: string,
  now: number,
): Promise<ShareLinkResource> {
  const [row] = await selectWithTarget(db)
    .where(and(eq(shareLinks.id, id), eq(shareLinks.ownerId, ownerId)))
    .limit(1);
  if (!row) throw notFound('Share link');
  return toShareLinkResource(row, now);
}

/** The owner's links, newest first (keyset on created_at, id), every state included. */
export async function listShareLinks(
  db: Database,
  ownerId: string,
  options: { limit: number; cursor?: string; now: number },
): Promise<Page<ShareLinkResource>> {
  let after;
  if (options.cursor) {
    const { v, id } = decodeCursor(options.cursor);
    if (typeof v !== 'number') throw invalidCursor();
    const at = new Date(v);
    after = or(lt(shareLinks.createdAt, at), and(eq(shareLinks.createdAt, at), lt(shareLinks.id, id)));
  }
  const rows = await selectWithTarget(db)
    .where(and(eq(shareLinks.ownerId, ownerId), after))
    .orderBy(desc(shareLinks.createdAt), desc(shareLinks.id))
    .limit(options.limit + 1);
  const page = pageOf(rows, options.limit, (last) =>
    encodeCursor({ v: last.link.createdAt.getTime(), id: last.link.id }),
  );
  return {
    data: page.data.map((row) => toShareLinkResource(row, options.now)),
    next_cursor: page.next_cursor,
  };
}

/** Revokes a link (idempotent: revoking again keeps the first time); the row stays, listed as revoked. */
export async function revokeShareLink(db: Database, ownerId: string, id: string, now: number): Promise<void> {
  const [row] = await db
    .update(shareLinks)
    .set({ revokedAt: sql`coalesce(${shareLinks.revokedAt}, ${now})` })
    .where(and(eq(shareLinks.id, id), eq(shareLinks.ownerId, ownerId)))
    .returning({ id: shareLinks.id });
  if (!row) throw notFound('Share link');
}

/** What a visitor's token opens: the link, its target and the owner's slug (for signed CDN paths). */
export interface VisitedLink extends ShareLinkWithTarget {
  ownerSlug: string;
  /** The target is gone (trashed or deleted): the link opens nothing any more. */
  targetGone: boolean;
}

/** The link a token names, or null (unknown token or a disabled owner). */
export async function findLinkByToken(db: Database, token: string): Promise<VisitedLink | null> {
  if (!SHARE_TOKEN_PATTERN.test(token)) return null;
  const [row] = await db
    .select({
      ...withTarget,
      ownerSlug: users.slug,
      ownerDisabledAt: users.disabledAt,
      imageDeletedAt: images.deletedAt,
      albumDeletedAt: albums.deletedAt,
    })
    .from(shareLinks)
    .innerJoin(users, eq(users.id, shareLinks.ownerId))
    .leftJoin(images, eq(images.id, shareLinks.imageId))
    .leftJoin(albums, eq(albums.id, shareLinks.albumId))
    .where(eq(shareLinks.tokenHash, await tokenHashOf(token)))
    .limit(1);
  if (!row || row.ownerDisabledAt) return null;
  const { ownerDisabledAt: _d, imageDeletedAt, albumDeletedAt, ...rest } = row;
  const targetGone = row.link.imageId
    ? row.imageFilename === null || imageDeletedAt !== null
    : row.albumTitle === null || albumDeletedAt !== null;
  return { ...rest, targetGone };
}

/**
 * Takes one view of the link, if one is left: a single conditional UPDATE, so of visitors racing for the last
 * view exactly one gets a row back. Writes `share.viewed`, and `share.expired` when this was the last view.
 * Null: the link was used up, revoked or expired in the meantime.
 */
export async function takeView(
  db: Database,
  visited: VisitedLink,
  now: number,
): Promise<ShareLinkWithTarget | null> {
  const [link] = await db
    .update(shareLinks)
    .set({ views: sql`${shareLinks.views} + 1`, lastViewedAt: new Date(now) })
    .where(
      and(
        eq(shareLinks.id, visited.link.id),
        isNull(shareLinks.revokedAt),
        or(isNull(shareLinks.expiresAt), gt(shareLinks.expiresAt, new Date(now))),
        or(isNull(shareLinks.maxViews), lt(shareLinks.views, shareLinks.maxViews)),
      ),
    )
    .returning();
  if (!link) return null;
  const after = { ...visited, link };
  const resource = toShareLinkResource(after, now);
  const usedUp = link.maxViews !== null && link.views >= link.maxViews;
  await db.batch([
    outboxInsert(db, link.ownerId, 'share.viewed', resource),
    ...(usedUp ? expiredEventStatements(db, after, now) : []),
  ]);
  return after;
}

/**
 * `share.expired`, at most once per link: the marker is set only where it is unset, and the event is written only
 * if that update changed the row (`changes()` in the same batch, so two writers cannot both emit it).
 */
function expiredEventStatements(db: Database, row: ShareLinkWithTarget, now: number) {
  const resource = toShareLinkResource(row, now);
  return [
    db
      .update(shareLinks)
      .set({ expiredEventAt: new Date(now) })
      .where(and(eq(shareLinks.id, row.link.id), isNull(shareLinks.expiredEventAt))),
    outboxInsertWhen(db, sql`changes() = 1`, row.link.ownerId, 'share.expired', resource),
  ] as const;
}

/** `share.expired` for a link a visitor found past its expiry (the sweep would write it later otherwise). */
export async function noteExpired(db: Database, row: ShareLinkWithTarget, now: number): Promise<void> {
  const state = shareLinkState(row.link, now);
  if (row.link.expiredEventAt || (state !== 'expired' && state !== 'used_up')) return;
  await db.batch(expiredEventStatements(db, row, now));
}

/**
 * Links whose expiry passed without their `share.expired` event (nobody opened them since): written now, a page
 * per call. Revoked links are not expired, so they get none. Returns how many were written.
 */
export async function sweepExpiredShareLinks(db: Database, now: number, limit = 100): Promise<number> {
  const rows = await selectWithTarget(db)
    .where(
      and(
        isNull(shareLinks.expiredEventAt),
        isNull(shareLinks.revokedAt),
        lte(shareLinks.expiresAt, new Date(now)),
      ),
    )
    .limit(limit);
  for (const row of rows) await noteExpired(db, row, now);
  return rows.length;
}
