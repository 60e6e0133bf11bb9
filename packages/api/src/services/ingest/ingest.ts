import { IMAGE_EXTENSIONS, UPLOAD_LIMITS } from '@pixelflare/config';
import { albums, images, users, type Database, type Image } from '@pixelflare/database';
import { originalStorageKey, type CdnUrlBase, type UploadMetadata } from '@pixelflare/shared';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Bindings, EnvVars } from '../../lib/env';
import { AppError, notFound } from '../../lib/errors';
import { newId, newShortId } from '../../lib/ids';
import { sha256Hex } from '../../lib/crypto';
import { outboxInsert } from '../events/outbox';
import { cdnBaseOf, tagListOf, toImageResource } from '../images/resource';
import { assertWithinQuota, usageOf } from '../quotas/quotas';
import { setImageTagsStatements } from '../tags/tags';
import { sanitizeFilename, withSuffix } from './filename';
import { checkDimensions, inspectImage } from './inspect';
import { stripPrivateMetadata } from './metadata';

export interface IngestDeps {
  db: Database;
  bucket: R2Bucket;
  variantsQueue: Queue;
  /** Where the `image.uploaded` event's URLs point. */
  cdn: CdnUrlBase;
}

/** Ingest dependencies from the Worker's bindings and config, alike for requests and tests. */
export function ingestDepsFrom(
  db: Database,
  bindings: Pick<Bindings, 'IMAGES_BUCKET' | 'VARIANTS_QUEUE'>,
  config: Pick<EnvVars, 'PUBLIC_API_URL'>,
): IngestDeps {
  return {
    db,
    bucket: bindings.IMAGES_BUCKET,
    variantsQueue: bindings.VARIANTS_QUEUE,
    cdn: cdnBaseOf(config),
  };
}

export interface IngestInput {
  ownerId: string;
  bytes: Uint8Array;
  metadata: UploadMetadata;
  allowDuplicate?: boolean;
  maxMegapixels: number;
  /** 100 MB for one-shot and two-step; larger for tus. */
  maxBytes: number;
  usageLimitsEnabled: boolean;
  /** A two-step upload's pending row, completed in place instead of inserting a new one. */
  pendingImageId?: string;
  /** Id chosen in advance (tus), so the bytes could be assembled at their final key. */
  imageId?: string;
  /** R2 key already holding exactly `bytes` (tus); not written again when it is the final key and unchanged. */
  storedAt?: string;
}

export interface IngestResult {
  image: Image;
  duplicate: boolean;
  variantsQueued: boolean;
}

const SHORT_ID_ATTEMPTS = 8;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function freeShortId(db: Database): Promise<string> {
  for (let attempt = 0; attempt < SHORT_ID_ATTEMPTS; attempt++) {
    const candidate = newShortId();
    const [taken] = await db
      .select({ id: images.id })
      .from(images)
      .where(eq(images.shortId, candidate))
      .limit(1);
    if (!taken) return candidate;
  }
  throw new AppError(503, 'SERVICE_UNAVAILABLE', 'Could not allocate a short id; try again');
}

/** The owner's album by slug (404 when unknown), or null for no album. */
export async function resolveAlbum(db: Database, ownerId: string, slug: string | undefined) {
  if (!slug) return null;
  const [album] = await db
    .select({ id: albums.id, slug: albums.slug })
    .from(albums)
    .where(and(eq(albums.ownerId, ownerId), eq(albums.slug, slug), isNull(albums.deletedAt)))
    .limit(1);
  if (!album) throw notFound(`Album "${slug}"`);
  return album;
}

/**
 * The one path every upload takes (one-shot, two-step, tus): validate the bytes, strip private metadata,
 * deduplicate, store the original in R2, then write the rows, counters and event in one D1 batch (removing
 * the object again if that fails), then queue variant generation. Nothing is stored when any check fails.
 */
export async function ingestImage(deps: IngestDeps, input: IngestInput): Promise<IngestResult> {
  const { db, bucket } = deps;
  const { ownerId, metadata } = input;
  if (input.bytes.length > input.maxBytes) {
    throw new AppError(413, 'PAYLOAD_TOO_LARGE', `The file is larger than ${input.maxBytes} bytes`);
  }
  const inspected = inspectImage(input.bytes);
  checkDimensions(inspected, {
    maxMegapixels: input.maxMegapixels,
    maxSidePixels: UPLOAD_LIMITS.maxSidePixels,
  });
  const filename = sanitizeFilename(metadata.filename, inspected.contentType);
  const album = await resolveAlbum(db, ownerId, metadata.album);
  const { bytes, summary } = await stripPrivateMetadata(input.bytes, inspected.contentType);
  const contentHash = await sha256Hex(bytes);

  if (!input.allowDuplicate) {
    const [existing] = await db
      .select()
      .from(images)
      .where(
        and(
          eq(images.ownerId, ownerId),
          eq(images.contentHash, contentHash),
          eq(images.status, 'ready'),
          isNull(images.deletedAt),
        ),
      )
      .limit(1);
    if (existing) {
      if (input.pendingImageId) await db.delete(images).where(eq(images.id, input.pendingImageId));
      return { image: existing, duplicate: true, variantsQueued: false };
    }
  }

  const [owner] = await db.select().from(users).where(eq(users.id, ownerId)).limit(1);
  if (!owner) throw notFound('User');
  if (input.usageLimitsEnabled) assertWithinQuota(usageOf(owner), { images: 1, bytes: bytes.length });

  const imageId = input.pendingImageId ?? input.imageId ?? newId('img');
  const shortId = await freeShortId(db);
  const albumSlug = album?.slug ?? 'default';
  const [nameTaken] = await db
    .select({ id: images.id })
    .from(images)
    .where(and(eq(images.ownerId, ownerId), eq(images.albumSlug, albumSlug), eq(images.filename, filename)))
    .limit(1);
  const storedName = nameTaken && nameTaken.id !== imageId ? withSuffix(filename, shortId) : filename;
  const storageKey = originalStorageKey(ownerId, albumSlug, imageId, IMAGE_EXTENSIONS[inspected.contentType]);

  const alreadyStored = input.storedAt === storageKey && sameBytes(bytes, input.bytes);
  if (!alreadyStored) {
    await bucket.put(storageKey, bytes, {
      httpMetadata: { contentType: inspected.contentType },
      sha256: contentHash,
    });
  }

  const now = new Date();
  const values = {
    shortId,
    ownerId,
    albumId: album?.id ?? null,
    albumSlug,
    filename: storedName,
    contentType: inspected.contentType,
    bytes: bytes.length,
    width: inspected.width,
    height: inspected.height,
    contentHash,
    storageKey,
    title: metadata.title ?? null,
    alt: metadata.alt ?? null,
    description: metadata.description ?? null,
    isPrivate: metadata.is_private ?? false,
    isAnimated: inspected.isAnimated,
    status: 'ready' as const,
    exif: summary,
    createdAt: now,
    updatedAt: now,
  };
  const tagNames = metadata.tags ?? [];
  // The full row as stored, so the event carries the resource exactly as GET /v1/images/:id will show it.
  const stored: Image = {
    id: imageId,
    ...values,
    isEncrypted: false,
    nsfw: false,
    license: null,
    wrappedKey: null,
    backupStatus: 'none',
    deletedAt: null,
  };
  const view = { ownerId, ownerSlug: owner.slug, cdn: deps.cdn };
  try {
    await db.batch([
      input.pendingImageId
        ? db
            .update(images)
            .set(values)
            .where(and(eq(images.id, imageId), eq(images.ownerId, ownerId), eq(images.status, 'pending')))
        : db.insert(images).values({ id: imageId, ...values }),
      ...setImageTagsStatements(db, ownerId, imageId, tagNames),
      db
        .update(users)
        .set({
          imageCount: sql`${users.imageCount} + 1`,
          storageBytes: sql`${users.storageBytes} + ${bytes.length}`,
        })
        .where(eq(users.id, ownerId)),
      ...(album
        ? [
            db
              .update(albums)
              .set({ imageCount: sql`${albums.imageCount} + 1` })
              .where(eq(albums.id, album.id)),
          ]
        : []),
      outboxInsert(
        db,
        ownerId,
        'image.uploaded',
        toImageResource(stored, view, { tags: tagListOf(tagNames), favourite: false }),
      ),
    ]);
  } catch (error) {
    await bucket.delete(storageKey);
    if (error instanceof Error && /UNIQUE constraint/i.test(`${error.message} ${String(error.cause)}`)) {
      throw new AppError(409, 'CONFLICT', 'An image with this name was stored at the same moment; try again');
    }
    throw error;
  }

  let variantsQueued = true;
  try {
    await deps.variantsQueue.send({ type: 'generate', imageId, ownerId });
  } catch {
    // The original is stored and served; variants are also generated on demand by the CDN path.
    variantsQueued = false;
  }
  const [image] = await db.select().from(images).where(eq(images.id, imageId)).limit(1);
  return { image: image!, duplicate: false, variantsQueued };
}
