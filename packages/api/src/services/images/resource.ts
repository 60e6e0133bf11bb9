import {
  albums,
  customDomains,
  favourites,
  images,
  users,
  type Database,
  type Image,
} from '@pixelflare/database';
import { SIGNED_URL_TTL } from '@pixelflare/config';
import {
  cdnPathUrl,
  cdnShortUrl,
  type CdnUrlBase,
  type ImagePlaceholder,
  type ImagePreviews,
  type ImageResource,
} from '@pixelflare/shared';
import { and, eq, isNull, or } from 'drizzle-orm';
import { notFound } from '../../lib/errors';
import { inList } from '../../lib/sql';
import { placeholdersByImage } from '../analysis/stored';
import { activeHostOf } from '../domains/host-cache';
import { tagsByImage } from '../tags/tags';
import { servedSignedOnly } from '../variants/lookup';
import { signedImageUrl, type SignedUrlBase, type SigningDeps } from '../variants/signed-url';

/** Who owns the images being shown, where their CDN URLs point, and how their signed previews are signed. */
export interface ImageView {
  ownerId: string;
  ownerSlug: string;
  cdn: CdnUrlBase;
  signing: SigningDeps;
}

/** What signing needs, from the Worker's bindings and config (the same for requests, queue jobs and cron). */
export function signingDepsOf(
  bindings: { KV: KVNamespace },
  config: CdnConfig & { API_HASH_SECRET: string },
): SigningDeps {
  return {
    kv: bindings.KV,
    serverSecret: config.API_HASH_SECRET,
    base: cdnBaseOf(config),
    customDomains: config.ENABLE_CUSTOM_DOMAINS ?? false,
  };
}

/**
 * Signing deps whose URLs point where the owner's images are served: the owner's active custom domain when
 * custom domains are on and it has one (`https://{domain}/{album}/{filename}`), else the product's CDN base.
 */
export async function ownerSigning(
  db: Database,
  signing: SigningDeps,
  owner: { id: string; slug: string },
): Promise<SigningDeps> {
  if (!signing.customDomains) return signing;
  const hostname = await activeHostOf(db, owner.id);
  return hostname ? { ...signing, base: customHostBase(hostname, owner.slug) } : signing;
}

/** The CDN base of an owner's custom domain: served over HTTPS (Cloudflare for SaaS issues its certificate). */
export function customHostBase(hostname: string, ownerSlug: string): SignedUrlBase {
  return { origin: `https://${hostname}`, dedicatedHost: false, customHostOwner: ownerSlug };
}

/**
 * Signed thumbnails (previews, album covers) expire at the end of the next full period of `SIGNED_URL_TTL.default`:
 * the URL is the same for a whole period (browsers cache the picture; an event and a GET in the same hour agree)
 * and valid for at least one.
 */
export function signedThumbnailExpiry(now: number): number {
  const period = SIGNED_URL_TTL.default;
  return (Math.floor(now / 1000 / period) + 2) * period;
}

/**
 * Signing deps for one page of resources (images, album covers): the owner's signing version is read from KV once
 * for the page instead of once per URL (`signedImageUrl` reads it on every call).
 */
export function signingOncePerPage(deps: SigningDeps): SigningDeps {
  const reads = new Map<string, Promise<string | null>>();
  const get = (key: string) => {
    let read = reads.get(key);
    if (!read) reads.set(key, (read = deps.kv.get(key)));
    return read;
  };
  const kv = new Proxy(deps.kv, {
    get: (target, name) => (name === 'get' ? get : Reflect.get(target, name)),
  });
  return { ...deps, kv };
}

// Two presets, not more: each signed URL costs two HMACs (the owner's key, then the URL) on every listing.
const PREVIEW_PRESETS = ['thumb', 'w256'] as const satisfies readonly (keyof ImagePreviews)[];

/**
 * The `previews` of an image: its preset URLs, signed when the CDN serves it only signed; null when it is
 * encrypted (the CDN answers 404 to any plain or signed URL of it: its previews are token URLs, asked for apart).
 */
export async function imagePreviews(
  image: Pick<Image, 'shortId' | 'albumSlug' | 'filename' | 'isEncrypted'>,
  view: ImageView,
  access: ImageResource['access'],
  now = Date.now(),
): Promise<ImagePreviews | null> {
  if (image.isEncrypted) return null;
  if (access === 'public')
    return {
      thumb: cdnShortUrl(view.cdn, image.shortId, 'thumb'),
      w256: cdnShortUrl(view.cdn, image.shortId, 'w256'),
      expires_at: null,
    };
  const expires = signedThumbnailExpiry(now);
  const owned = { ownerId: view.ownerId, ownerSlug: view.ownerSlug, ...image };
  const [thumb, w256] = await Promise.all(
    PREVIEW_PRESETS.map((variant) => signedImageUrl(view.signing, owned, { variant, expires })),
  );
  return { thumb: thumb!, w256: w256!, expires_at: new Date(expires * 1000).toISOString() };
}

/** How the CDN serves an image: `albumPrivate` is whether its album is private (false when it has none). */
export function accessOf(
  image: Pick<Image, 'isPrivate' | 'albumId'>,
  albumPrivate: boolean,
): ImageResource['access'] {
  return servedSignedOnly(image.isPrivate, image.albumId ? albumPrivate : false) ? 'signed' : 'public';
}

/**
 * `extra.albumPrivate` is whether the image's album is private (false when it has none), which decides `access`
 * with the image's own flag (the CDN's rule, `servedSignedOnly`). Required, so no caller can forget the album.
 * `extra.previews` come from `imagePreviews` with that access.
 */
export function toImageResource(
  image: Image,
  view: ImageView,
  extra: {
    tags: string[];
    favourite: boolean;
    albumPrivate: boolean;
    previews: ImagePreviews | null;
    placeholder: ImagePlaceholder | null;
  },
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
    access: accessOf(image, extra.albumPrivate),
    is_encrypted: image.isEncrypted,
    nsfw: image.nsfw,
    title: image.title,
    alt: image.alt,
    description: image.description,
    tags: extra.tags,
    favourite: extra.favourite,
    status: image.status,
    content_hash: image.contentHash,
    exif: image.exif,
    // An encrypted image's public URLs answer 404: none are handed out (it is shared through token links).
    urls: image.isEncrypted
      ? { cdn: null, short: null }
      : {
          cdn: cdnPathUrl(view.cdn, view.ownerSlug, image.albumSlug, image.filename),
          short: cdnShortUrl(view.cdn, image.shortId),
        },
    previews: extra.previews,
    placeholder: extra.placeholder,
    created_at: image.createdAt.toISOString(),
    updated_at: image.updatedAt.toISOString(),
    deleted_at: image.deletedAt?.toISOString() ?? null,
  };
}

/**
 * Resources for a page of images, with their tags, placeholders, favourite flags and albums' visibility in four
 * queries.
 */
export async function toImageResources(
  db: Database,
  rows: Image[],
  view: ImageView,
): Promise<ImageResource[]> {
  const ids = rows.map((row) => row.id);
  const albumIds = [...new Set(rows.flatMap((row) => row.albumId ?? []))];
  const [tagMap, placeholders, favouriteRows, albumRows] = await Promise.all([
    tagsByImage(db, ids),
    placeholdersByImage(db, ids),
    ids.length === 0
      ? Promise.resolve([])
      : db
          .select({ imageId: favourites.imageId })
          .from(favourites)
          .where(and(eq(favourites.ownerId, view.ownerId), inList(favourites.imageId, ids))),
    albumIds.length === 0
      ? Promise.resolve([])
      : db
          .select({ id: albums.id, isPrivate: albums.isPrivate })
          .from(albums)
          .where(and(eq(albums.ownerId, view.ownerId), inList(albums.id, albumIds))),
  ]);
  const favouriteIds = new Set(favouriteRows.map((row) => row.imageId));
  const privateAlbums = new Set(albumRows.filter((row) => row.isPrivate).map((row) => row.id));
  const pageView = { ...view, signing: signingOncePerPage(view.signing) };
  const now = Date.now();
  return Promise.all(
    rows.map(async (row) => {
      const albumPrivate = row.albumId ? privateAlbums.has(row.albumId) : false;
      return toImageResource(row, view, {
        tags: tagMap.get(row.id) ?? [],
        favourite: favouriteIds.has(row.id),
        albumPrivate,
        placeholder: placeholders.get(row.id) ?? null,
        previews: await imagePreviews(row, pageView, accessOf(row, albumPrivate), now),
      });
    }),
  );
}

export async function toOneImageResource(db: Database, row: Image, view: ImageView): Promise<ImageResource> {
  const [resource] = await toImageResources(db, [row], view);
  return resource!;
}

/** The config CDN URLs are built from. */
export interface CdnConfig {
  PUBLIC_API_URL: string;
  CDN_HOSTNAME?: string;
  ENABLE_CUSTOM_DOMAINS?: boolean;
}

/**
 * Where the product's CDN URLs point, plain and signed alike (the same for requests, queue jobs and cron): the
 * dedicated CDN host without the `/cdn` prefix when `CDN_HOSTNAME` is set, else the Worker's public origin. An
 * owner's own images point at its custom domain instead (`ownerSigning`).
 */
export function cdnBaseOf(config: { PUBLIC_API_URL: string; CDN_HOSTNAME?: string }): SignedUrlBase {
  return config.CDN_HOSTNAME
    ? { origin: `https://${config.CDN_HOSTNAME}`, dedicatedHost: true }
    : { origin: config.PUBLIC_API_URL, dedicatedHost: false };
}

/** The view of an owner's images: its URLs on the owner's custom domain when it has an active one. */
export async function imageViewFor(
  db: Database,
  owner: { id: string; slug: string },
  signing: SigningDeps,
): Promise<ImageView> {
  const own = await ownerSigning(db, signing, owner);
  return { ownerId: owner.id, ownerSlug: owner.slug, cdn: own.base, signing: own };
}

/** The view of an owner's images outside a request (queue jobs, cron): the slug is read from D1. */
export async function ownerImageView(
  db: Database,
  ownerId: string,
  signing: SigningDeps,
): Promise<ImageView> {
  const [owner] = await db
    .select({ slug: users.slug, customHost: customDomains.hostname })
    .from(users)
    .leftJoin(customDomains, and(eq(customDomains.ownerId, users.id), eq(customDomains.status, 'active')))
    .where(eq(users.id, ownerId))
    .limit(1);
  if (!owner) throw notFound('User');
  const own =
    signing.customDomains && owner.customHost
      ? { ...signing, base: customHostBase(owner.customHost, owner.slug) }
      : signing;
  return { ownerId, ownerSlug: owner.slug, cdn: own.base, signing: own };
}

/** Compares by code point: SQLite's binary order on UTF-8, the order `tagsByImage` reads tags back in. */
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const diff = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return x.length - y.length;
}

/** Tag names as the API lists them once stored: each once, in name order. */
export function tagListOf(names: string[]): string[] {
  return [...new Set(names)].sort(byCodePoint);
}

/**
 * The resource an image will have once `after` is written, for the event that goes into the same batch as
 * the change (so it cannot be read back first). Favourite and tags are read now; pass `tags` when the batch
 * sets them.
 */
export async function imageResourceAfter(
  db: Database,
  after: Image,
  view: ImageView,
  tags?: string[],
): Promise<ImageResource> {
  const resource = await toOneImageResource(db, after, view);
  return tags ? { ...resource, tags: tagListOf(tags) } : resource;
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
