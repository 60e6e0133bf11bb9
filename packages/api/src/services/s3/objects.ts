import { images, type Database, type Image } from '@pixelflare/database';
import { and, eq, isNull } from 'drizzle-orm';
import { AppError } from '../../lib/errors';
import { createAlbum, type AlbumView } from '../albums/albums';
import type { ReadBucket } from '../backups/originals';
import { decryptedOriginal } from '../encryption/content';
import type { EncryptionDeps } from '../encryption/tenant-keys';
import { trashImage, type ImageStore } from '../images/manage';
import type { ImageView } from '../images/resource';
import { sanitizeFilename, withSuffix } from '../ingest/filename';
import type { IngestResult } from '../ingest/ingest';
import { keyOf, type ObjectAddress } from './keys';
import { S3Error, s3Errors } from './xml';

/** The owner's live image at an address, or null. */
export async function findObject(
  db: Database,
  ownerId: string,
  address: ObjectAddress,
): Promise<Image | null> {
  const [row] = await db
    .select()
    .from(images)
    .where(
      and(
        eq(images.ownerId, ownerId),
        eq(images.albumSlug, address.albumSlug),
        eq(images.filename, address.filename),
        eq(images.status, 'ready'),
        isNull(images.deletedAt),
      ),
    )
    .limit(1);
  return row ?? null;
}

/** S3's ETag of an object: the stored original's SHA-256 (not an MD5: the bytes are stripped on upload). */
export const etagOf = (image: Pick<Image, 'contentHash' | 'id'>) => `"${image.contentHash ?? image.id}"`;

/** The album a key's folder names, created (public, titled by its slug) when the owner has none by that slug. */
export async function ensureAlbum(db: Database, view: AlbumView, slug: string): Promise<void> {
  if (slug === 'default') return;
  try {
    await createAlbum(db, view, { slug, title: slug, visibility: 'public' });
  } catch (error) {
    // Already there (or created by a concurrent upload): that album is the one.
    if (!(error instanceof AppError && error.code === 'CONFLICT')) throw error;
  }
}

/**
 * S3 overwrites a key. Ingest never does (a taken name gets a suffix), so once the new image is stored under
 * `{name}-{shortId}`, the image holding `{name}` (live: moved to the trash; trashed: left there) is renamed
 * `{name}-{its shortId}` and the new one takes `{name}`, in one batch. Storage keys name ids, not filenames,
 * so only rows change. Returns the image as it ends up.
 */
export async function claimRequestedName(
  store: Pick<ImageStore, 'db' | 'cache'>,
  view: ImageView,
  requestedName: string | undefined,
  result: IngestResult,
): Promise<Image> {
  const { db } = store;
  const image = result.image;
  if (result.duplicate || !requestedName) return image;
  const wanted = sanitizeFilename(requestedName, image.contentType);
  if (image.filename !== withSuffix(wanted, image.shortId)) return image;
  const [holder] = await db
    .select()
    .from(images)
    .where(
      and(
        eq(images.ownerId, image.ownerId),
        eq(images.albumSlug, image.albumSlug),
        eq(images.filename, wanted),
      ),
    )
    .limit(1);
  if (!holder) return image;
  if (!holder.deletedAt) await trashImage(store, holder, view);
  await db.batch([
    db
      .update(images)
      .set({ filename: withSuffix(wanted, holder.shortId) })
      .where(and(eq(images.id, holder.id), eq(images.ownerId, image.ownerId))),
    db
      .update(images)
      .set({ filename: wanted })
      .where(and(eq(images.id, image.id), eq(images.ownerId, image.ownerId))),
  ]);
  return { ...image, filename: wanted };
}

export interface ObjectBody {
  body: ReadableStream<Uint8Array> | Uint8Array | null;
  headers: Headers;
  status: 200 | 206 | 304;
}

function parseRange(header: string | null, size: number): { offset: number; length: number } | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Math.min(Number(match[2]), size);
    if (suffix === 0) throw invalidRange(size);
    return { offset: size - suffix, length: suffix };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) throw invalidRange(size);
  return { offset: start, length: end - start + 1 };
}

const invalidRange = (size: number) =>
  new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable', {
    ActualObjectSize: String(size),
  });

export interface ReadObjectInput {
  image: Image;
  method: 'GET' | 'HEAD';
  range: string | null;
  ifNoneMatch: string | null;
}

/**
 * GetObject / HeadObject: the stored original, the bytes the CDN serves at the image's original URL (ranges
 * too). An encrypted image is decrypted for its owner (whole, without ranges).
 */
export async function readObject(
  /** Where the original is read: R2, or the owner's bucket (bring your own storage, `originalsOf`). */
  deps: { bucket: ReadBucket; encryption: EncryptionDeps },
  input: ReadObjectInput,
): Promise<ObjectBody> {
  const { image } = input;
  const headers = new Headers({
    'Content-Type': image.contentType,
    ETag: etagOf(image),
    'Last-Modified': image.createdAt.toUTCString(),
    'Accept-Ranges': image.isEncrypted ? 'none' : 'bytes',
  });
  if (input.ifNoneMatch && input.ifNoneMatch.split(',').some((tag) => tag.trim() === etagOf(image))) {
    return { body: null, headers, status: 304 };
  }
  if (image.isEncrypted) {
    const opened = await decryptedOriginal({ ...deps.encryption, bucket: deps.bucket }, image);
    if (!opened) throw s3Errors.noSuchKey(keyOf(image));
    headers.set('Content-Length', String(opened.size));
    return { body: input.method === 'HEAD' ? null : opened.body, headers, status: 200 };
  }
  const head = await deps.bucket.head(image.storageKey);
  if (!head) throw s3Errors.noSuchKey(keyOf(image));
  const range = parseRange(input.range, head.size);
  headers.set('Content-Length', String(range ? range.length : head.size));
  if (range) {
    headers.set('Content-Range', `bytes ${range.offset}-${range.offset + range.length - 1}/${head.size}`);
  }
  if (input.method === 'HEAD') return { body: null, headers, status: range ? 206 : 200 };
  const object = await deps.bucket.get(image.storageKey, range ? { range } : undefined);
  if (!object) throw s3Errors.noSuchKey(keyOf(image));
  return { body: object.body, headers, status: range ? 206 : 200 };
}
