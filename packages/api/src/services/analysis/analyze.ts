import { imageAi, images, type Database, type Image } from '@pixelflare/database';
import { and, eq, isNull } from 'drizzle-orm';
import type { ImageEngine } from '../../engines/types';
import { notFound } from '../../lib/errors';
import { colorFactsOf } from './colors';
import { rgbaSample } from './sample';

export interface AnalysisDeps {
  db: Database;
  bucket: R2Bucket;
  /** The deployment's image engine, loaded on first use; null when it is passthrough (no pixels to read). */
  imageEngine: () => Promise<ImageEngine | null>;
}

export interface AnalysisOutcome {
  colors: 'computed' | 'kept' | 'skipped';
}

/**
 * Images analysis leaves alone: SVG (no raster to read), and encrypted ones, whose placeholder or colours would
 * show what the encryption hides.
 */
export function analysable(image: Pick<Image, 'status' | 'contentType' | 'isEncrypted'>): boolean {
  return image.status === 'ready' && image.contentType !== 'image/svg+xml' && !image.isEncrypted;
}

async function liveImage(db: Database, imageId: string, ownerId: string): Promise<Image | undefined> {
  return db
    .select()
    .from(images)
    .where(and(eq(images.id, imageId), eq(images.ownerId, ownerId), isNull(images.deletedAt)))
    .get();
}

async function originalBytes(bucket: R2Bucket, image: Image): Promise<Uint8Array> {
  const original = await bucket.get(image.storageKey);
  if (!original) throw notFound('Image');
  return new Uint8Array(await original.arrayBuffer());
}

/**
 * Works out an image's colours and ThumbHash placeholder and stores them in `image_ai`. Idempotent: the same
 * original gives the same row, so a redelivered message or a re-run changes nothing; without `force` an image
 * whose colours are stored is not read again. Run by the variants job before it announces the variants, so
 * `image.variants_ready` carries the placeholder.
 */
export async function ensureColors(
  deps: AnalysisDeps,
  image: Image,
  options: { force?: boolean; source?: Uint8Array } = {},
): Promise<AnalysisOutcome['colors']> {
  if (!analysable(image)) return 'skipped';
  if (!options.force) {
    const existing = await deps.db
      .select({ colorsAt: imageAi.colorsAt })
      .from(imageAi)
      .where(eq(imageAi.imageId, image.id))
      .get();
    if (existing?.colorsAt) return 'kept';
  }
  const engine = await deps.imageEngine();
  if (!engine) return 'skipped';
  const source = options.source ?? (await originalBytes(deps.bucket, image));
  const facts = colorFactsOf(await rgbaSample(engine, image, source));
  const values = { ...facts, colorsAt: new Date() };
  await deps.db
    .insert(imageAi)
    .values({ imageId: image.id, ownerId: image.ownerId, ...values })
    .onConflictDoUpdate({ target: imageAi.imageId, set: values });
  return 'computed';
}

/** The whole analysis of one image (POST /v1/images/{id}/analyze and the analyze message). */
export async function analyzeImage(
  deps: AnalysisDeps,
  ref: { imageId: string; ownerId: string },
  options: { force?: boolean } = {},
): Promise<AnalysisOutcome> {
  const image = await liveImage(deps.db, ref.imageId, ref.ownerId);
  if (!image) return { colors: 'skipped' };
  return { colors: await ensureColors(deps, image, options) };
}
