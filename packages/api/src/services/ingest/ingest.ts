import { IMAGE_EXTENSIONS, UPLOAD_LIMITS, type ImageContentType } from '@pixelflare/config';
import { albums, images, users, type Database, type ExifSummary, type Image } from '@pixelflare/database';
import { originalStorageKey, type UploadMetadata } from '@pixelflare/shared';
import { and, eq, isNull, ne, sql, type SQL } from 'drizzle-orm';
import {
  sendVariantsMessage,
  type BackupsQueueMessage,
  type VariantsQueueMessage,
} from '../../jobs/messages';
import type { Bindings, EnvVars } from '../../lib/env';
import { AppError, notFound } from '../../lib/errors';
import { newId, newShortId } from '../../lib/ids';
import { sha256Hex } from '../../lib/crypto';
import { albumBySlug } from '../albums/lookup';
import { queueBackup } from '../backups/enqueue';
import { outboxInsertWhen } from '../events/outbox';
import { insertWhen, isUniqueViolation } from '../../lib/sql';
import { removeUnreferencedObject } from '../reconcile/orphans';
import {
  accessOf,
  imagePreviews,
  imageViewFor,
  signingDepsOf,
  tagListOf,
  toImageResource,
} from '../images/resource';
import type { SigningDeps } from '../variants/signed-url';
import { assertWithinQuota, usageOf } from '../quotas/quotas';
import { periodOf } from '../quotas/period';
import { usageThresholdStatements } from '../quotas/thresholds';
import { setImageTagsStatements } from '../tags/tags';
import { sanitizeFilename, withSuffix } from './filename';
import { checkDimensions, inspectImage, type InspectedImage } from './inspect';
import { stripPrivateMetadata } from './metadata';
import type { EncryptionDeps } from '../encryption/tenant-keys';
import { sealingFor, writeSealedOriginal } from '../encryption/ingest';

export interface IngestDeps {
  db: Database;
  bucket: R2Bucket;
  /** Where an object that could not be removed after a failed D1 batch is recorded for reconciliation. */
  kv: KVNamespace;
  variantsQueue: Queue<VariantsQueueMessage>;
  /** Where a stored original's backup is asked for (absent: none is; the 03:00 catch-up finds it). */
  backupsQueue?: Queue<BackupsQueueMessage>;
  /** Where the `image.uploaded` event's URLs point, and how its previews are signed. */
  signing: SigningDeps;
  limits: IngestLimits;
  /** Encryption at rest (absent: uploads asking for it are refused). */
  encryption?: EncryptionDeps;
}

/** The ways in: one-shot (`POST /v1/upload`), two-step (`POST /v1/images` + `PUT`), tus and the S3 endpoint. */
export type UploadWay = 'one-shot' | 'two-step' | 'tus' | 's3';

/** Every upload's limits, read once from config when the deps are built (not by each way in). */
export interface IngestLimits {
  maxMegapixels: number;
  /** Whether the plan quota is enforced. */
  usageLimitsEnabled: boolean;
  /** The largest file each way in takes (`UPLOAD_LIMITS`). */
  maxBytes: Record<UploadWay, number>;
}

/** Ingest dependencies from the Worker's bindings and config, alike for requests and tests. */
export function ingestDepsFrom(
  db: Database,
  bindings: Pick<Bindings, 'IMAGES_BUCKET' | 'VARIANTS_QUEUE' | 'KV'> &
    Partial<Pick<Bindings, 'BACKUPS_QUEUE'>>,
  config: Pick<
    EnvVars,
    | 'PUBLIC_API_URL'
    | 'CDN_HOSTNAME'
    | 'ENABLE_CUSTOM_DOMAINS'
    | 'API_HASH_SECRET'
    | 'MAX_UPLOAD_MEGAPIXELS'
    | 'USAGE_LIMITS_ENABLED'
    | 'ENCRYPTION_ROOT_KEY'
  >,
): IngestDeps {
  return {
    db,
    bucket: bindings.IMAGES_BUCKET,
    kv: bindings.KV,
    variantsQueue: bindings.VARIANTS_QUEUE,
    backupsQueue: bindings.BACKUPS_QUEUE,
    signing: signingDepsOf(bindings, config),
    encryption: { db, config },
    limits: {
      maxMegapixels: config.MAX_UPLOAD_MEGAPIXELS,
      usageLimitsEnabled: config.USAGE_LIMITS_ENABLED,
      maxBytes: {
        'one-shot': UPLOAD_LIMITS.maxOneShotBytes,
        'two-step': UPLOAD_LIMITS.maxTwoStepBytes,
        tus: UPLOAD_LIMITS.maxResumableBytes,
        s3: UPLOAD_LIMITS.maxResumableBytes,
      },
    },
  };
}

/** A file above its way in's limit. */
export function fileTooLarge(maxBytes: number): AppError {
  return new AppError(413, 'PAYLOAD_TOO_LARGE', `The file is larger than ${maxBytes} bytes`);
}

/**
 * R2 or D1 failed mid-upload (an outage, not the request): 503, and the caller may simply try again, since
 * nothing of the upload was kept.
 */
export function storageUnavailable(what: 'storage' | 'database'): AppError {
  return new AppError(
    503,
    'SERVICE_UNAVAILABLE',
    what === 'storage'
      ? 'Image storage is unavailable right now; nothing was stored. Try again shortly'
      : 'The database is unavailable right now; nothing was stored. Try again shortly',
    undefined,
    { 'Retry-After': '5' },
  );
}

/** Rethrows our own errors as they are; anything else from R2 is an outage. */
export function asStorageError(error: unknown): unknown {
  return error instanceof AppError ? error : storageUnavailable('storage');
}

/** What every ingest needs besides the bytes: who uploads, the metadata, and which way in (its size limit). */
export interface IngestOptions {
  ownerId: string;
  metadata: UploadMetadata;
  allowDuplicate?: boolean;
  way: UploadWay;
  /** A two-step upload's pending row, completed in place instead of inserting a new one. */
  pendingImageId?: string;
  /** Id chosen in advance (tus), so the bytes could be assembled at their final key. */
  imageId?: string;
}

export interface IngestInput extends IngestOptions {
  bytes: Uint8Array;
  /** R2 key already holding exactly `bytes` (tus); not written again when it is the final key and unchanged. */
  storedAt?: string;
}

/** The original to store once its private metadata is gone: its length and hash, and how to write it. */
export interface PreparedOriginal {
  length: number;
  contentHash: string;
  summary: ExifSummary | null;
  /** The EXIF orientation the stored bytes keep (1 when none): 5–8 turn the picture a quarter. */
  orientation: number;
  /** Writes the stored bytes at `key`. */
  write(key: string): Promise<void>;
  /** The stored bytes as a stream (for writing them encrypted instead). */
  open(): Promise<ReadableStream<Uint8Array>>;
  /** An R2 key already holding exactly these bytes: nothing is written when it is the final key. */
  storedAt?: string;
  /** The R2 key the bytes are streamed from while writing, so never a key to write them to. */
  streamsFrom?: string;
}

export interface IngestResult {
  image: Image;
  duplicate: boolean;
  variantsQueued: boolean;
}

const SHORT_ID_ATTEMPTS = 8;

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
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

/** The size an image is seen at: EXIF orientations 5–8 turn it a quarter, swapping its stored sides. */
function uprightSize(size: { width: number; height: number }, orientation: number) {
  return orientation >= 5 && orientation <= 8 ? { width: size.height, height: size.width } : size;
}

/** The album an upload names (404 when it is not the owner's), or null for none. */
export const resolveAlbum = (db: Database, ownerId: string, slug: string | undefined) =>
  slug ? albumBySlug(db, ownerId, slug) : Promise.resolve(null);

/** The in-memory path: the whole file is held, stripped into a copy and hashed. */
async function prepareInMemory(
  bucket: R2Bucket,
  input: IngestInput,
  contentType: ImageContentType,
): Promise<PreparedOriginal> {
  const { bytes, summary, orientation } = await stripPrivateMetadata(input.bytes, contentType);
  const contentHash = await sha256Hex(bytes);
  return {
    length: bytes.length,
    contentHash,
    summary,
    orientation,
    storedAt: input.storedAt && sameBytes(bytes, input.bytes) ? input.storedAt : undefined,
    write: async (key) => {
      await bucket.put(key, bytes, { httpMetadata: { contentType }, sha256: contentHash });
    },
    open: async () => new Blob([bytes]).stream(),
  };
}

/**
 * The one path every upload takes (one-shot, two-step, tus): validate the bytes, strip private metadata,
 * deduplicate, store the original in R2, then write the rows, counters and event in one D1 batch (removing
 * the object again if that fails), then queue variant generation. Nothing is stored when any check fails.
 * Files too large to hold in memory take `ingestStoredUpload`, which ends in the same `storeOriginal`.
 */
export async function ingestImage(deps: IngestDeps, input: IngestInput): Promise<IngestResult> {
  const maxBytes = deps.limits.maxBytes[input.way];
  if (input.bytes.length > maxBytes) throw fileTooLarge(maxBytes);
  const inspected = inspectImage(input.bytes);
  return storeOriginal(deps, input, inspected, () =>
    prepareInMemory(deps.bucket, input, inspected.contentType),
  );
}

/**
 * Everything after the bytes are known to be an image: the size limits, filename and album, then
 * `prepare` (stripping and hashing), deduplication, the quota, the R2 write and the D1 batch.
 */
export async function storeOriginal(
  deps: IngestDeps,
  input: IngestOptions,
  inspected: InspectedImage,
  prepare: () => Promise<PreparedOriginal>,
): Promise<IngestResult> {
  const { db, bucket } = deps;
  const { ownerId, metadata } = input;
  checkDimensions(inspected, {
    maxMegapixels: deps.limits.maxMegapixels,
    maxSidePixels: UPLOAD_LIMITS.maxSidePixels,
  });
  const filename = sanitizeFilename(metadata.filename, inspected.contentType);
  const album = await resolveAlbum(db, ownerId, metadata.album);
  const sealing = await sealingFor(deps.encryption, ownerId, metadata.encrypt);
  const prepared = await prepare();
  // An encrypted original is always written anew (encrypted), never kept where the clear upload lies.
  const original = sealing ? { ...prepared, storedAt: undefined } : prepared;
  const { summary } = original;
  const contentHash = sealing ? await sealing.contentHash(original.contentHash) : original.contentHash;

  if (!input.allowDuplicate) {
    const [existing] = await db.select().from(images).where(sameContent(ownerId, contentHash)).limit(1);
    if (existing) return answerDuplicate(db, input, existing);
  }

  const [owner] = await db.select().from(users).where(eq(users.id, ownerId)).limit(1);
  if (!owner) throw notFound('User');
  const usage = usageOf(owner);
  if (deps.limits.usageLimitsEnabled) assertWithinQuota(usage, { images: 1, bytes: original.length });
  // `usage.threshold` at 80 % and 100 % of a limit, written with the upload (only when limits are enforced).
  const thresholds = (when: SQL) =>
    deps.limits.usageLimitsEnabled
      ? usageThresholdStatements(
          db,
          ownerId,
          { plan: owner.plan, period: periodOf(new Date()).key },
          [
            {
              limit: 'images',
              before: usage.images.used,
              after: usage.images.used + 1,
              max: usage.images.limit,
            },
            {
              limit: 'storage',
              before: usage.bytes.used,
              after: usage.bytes.used + original.length,
              max: usage.bytes.limit,
            },
          ],
          when,
        )
      : [];

  const albumSlug = album?.slug ?? 'default';
  const keyOf = (id: string) =>
    originalStorageKey(ownerId, albumSlug, id, IMAGE_EXTENSIONS[inspected.contentType]);
  let imageId = input.pendingImageId ?? input.imageId ?? newId('img');
  if (original.streamsFrom === keyOf(imageId) && original.storedAt !== original.streamsFrom) {
    // A streamed rewrite cannot overwrite the object it is reading: it takes a fresh id and the caller
    // removes the source. Only tus reserves ids in advance; two-step uploads are staged at another key.
    if (input.pendingImageId) throw new Error('A two-step upload must not be staged at its final key');
    imageId = newId('img');
  }
  const shortId = await freeShortId(db);
  const [nameTaken] = await db
    .select({ id: images.id })
    .from(images)
    .where(and(eq(images.ownerId, ownerId), eq(images.albumSlug, albumSlug), eq(images.filename, filename)))
    .limit(1);
  const storedName = nameTaken && nameTaken.id !== imageId ? withSuffix(filename, shortId) : filename;
  const storageKey = keyOf(imageId);
  const contentKey = sealing ? await sealing.contentKey(imageId) : null;
  if (original.storedAt !== storageKey) {
    try {
      if (contentKey) {
        await writeSealedOriginal(
          bucket,
          storageKey,
          original.open,
          original.length,
          contentKey,
          imageId,
          inspected.contentType,
        );
      } else await original.write(storageKey);
    } catch (error) {
      // A failed put stores nothing, but a write that broke off after R2 accepted it might have.
      await bucket.delete(storageKey).catch(() => undefined);
      throw asStorageError(error);
    }
  }

  // `width`/`height` are the size people see: every browser and rendition applies the orientation first.
  const upright = uprightSize(inspected, original.orientation);
  const now = new Date();
  const values = {
    shortId,
    ownerId,
    albumId: album?.id ?? null,
    albumSlug,
    filename: storedName,
    contentType: inspected.contentType,
    bytes: original.length,
    width: upright.width,
    height: upright.height,
    contentHash,
    storageKey,
    title: metadata.title ?? null,
    alt: metadata.alt ?? null,
    description: metadata.description ?? null,
    isPrivate: metadata.is_private ?? false,
    isAnimated: inspected.isAnimated,
    status: 'ready' as const,
    exif: summary,
    isEncrypted: contentKey !== null,
    wrappedKey: contentKey?.wrapped ?? null,
    createdAt: now,
    updatedAt: now,
  };
  const tagNames = metadata.tags ?? [];
  // The full row as stored, so the event carries the resource exactly as GET /v1/images/:id will show it.
  const stored: Image = {
    id: imageId,
    ...values,
    nsfw: false,
    license: null,
    originalIn: 'r2',
    backupStatus: 'none',
    backupError: null,
    backupAt: null,
    backupAttempts: 0,
    backupEtag: null,
    deletedAt: null,
  };
  const view = await imageViewFor(db, { id: ownerId, slug: owner.slug }, deps.signing);
  const albumPrivate = album?.isPrivate ?? false;
  const previews = await imagePreviews(stored, view, accessOf(stored, albumPrivate));
  // Deduplication inside the batch: the row is written only if no image of the owner holds the same content
  // by then (a concurrent upload of the same bytes may have stored it since the check above), and every other
  // statement only if the row was (`stored`), so the loser of that race changes nothing.
  const noDuplicate = input.allowDuplicate
    ? sql`true`
    : sql`not exists (select 1 from ${images} where ${and(sameContent(ownerId, contentHash), ne(images.id, imageId))})`;
  const written = sql`exists (select 1 from ${images} where ${and(eq(images.id, imageId), eq(images.status, 'ready'))})`;
  try {
    await db.batch([
      input.pendingImageId
        ? db
            .update(images)
            .set(values)
            .where(
              and(
                eq(images.id, imageId),
                eq(images.ownerId, ownerId),
                eq(images.status, 'pending'),
                noDuplicate,
              ),
            )
        : insertWhen(db, images, stored, noDuplicate),
      ...setImageTagsStatements(db, ownerId, imageId, tagNames, written),
      db
        .update(users)
        .set({
          imageCount: sql`${users.imageCount} + 1`,
          storageBytes: sql`${users.storageBytes} + ${original.length}`,
        })
        .where(and(eq(users.id, ownerId), written)),
      ...(album
        ? [
            db
              .update(albums)
              .set({ imageCount: sql`${albums.imageCount} + 1` })
              .where(and(eq(albums.id, album.id), written)),
          ]
        : []),
      outboxInsertWhen(
        db,
        written,
        ownerId,
        'image.uploaded',
        toImageResource(stored, view, {
          tags: tagListOf(tagNames),
          favourite: false,
          albumPrivate,
          previews,
          // Worked out by the variants job, after this answer.
          placeholder: null,
        }),
      ),
      ...thresholds(written),
    ]);
  } catch (error) {
    // No row holds the object: remove it, or record it for the 01:00 reconciliation when that fails too.
    // An object that was already stored (tus, unchanged) is the upload's own, removed by its caller.
    if (original.storedAt !== storageKey) await removeUnreferencedObject(deps, { key: storageKey, ownerId });
    if (isUniqueViolation(error)) {
      throw new AppError(409, 'CONFLICT', 'An image with this name was stored at the same moment; try again');
    }
    throw error instanceof AppError ? error : storageUnavailable('database');
  }
  const [image] = await db.select().from(images).where(eq(images.id, imageId)).limit(1);
  if (image?.status !== 'ready') {
    // A concurrent upload of the same content was stored first and this batch wrote nothing: answer that image
    // like the check above would have, removing this upload's object (an object it was already stored at is
    // the caller's, as for any duplicate).
    if (original.storedAt !== storageKey) await removeUnreferencedObject(deps, { key: storageKey, ownerId });
    const [existing] = await db.select().from(images).where(sameContent(ownerId, contentHash)).limit(1);
    if (!existing) throw storageUnavailable('database');
    return answerDuplicate(db, input, existing);
  }

  let variantsQueued = true;
  try {
    await sendVariantsMessage(deps.variantsQueue, { type: 'generate', imageId, ownerId });
  } catch {
    // The original is stored and served; variants are also generated on demand by the CDN path.
    variantsQueued = false;
  }
  try {
    await sendVariantsMessage(deps.variantsQueue, { type: 'analyze', imageId, ownerId });
  } catch {
    // Analysis only adds to a stored image: POST /v1/images/{id}/analyze can run it later.
  }
  await queueBackup(deps.backupsQueue, { type: 'backup', ownerId, imageId });
  return { image, duplicate: false, variantsQueued };
}

/** A stored, live image of the owner with this content hash: what an upload of the same bytes is answered. */
function sameContent(ownerId: string, contentHash: string): SQL | undefined {
  return and(
    eq(images.ownerId, ownerId),
    eq(images.contentHash, contentHash),
    eq(images.status, 'ready'),
    isNull(images.deletedAt),
  );
}

/** The answer to an upload of bytes the owner already has: that image (a two-step's pending row is dropped). */
async function answerDuplicate(db: Database, input: IngestOptions, existing: Image): Promise<IngestResult> {
  if (input.pendingImageId) await db.delete(images).where(eq(images.id, input.pendingImageId));
  return { image: existing, duplicate: true, variantsQueued: false };
}
