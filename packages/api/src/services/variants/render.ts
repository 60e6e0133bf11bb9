import type { ImageContentType } from '@pixelflare/config';
import { imageVariants, type Database } from '@pixelflare/database';
import type { ResolvedTransform } from '@pixelflare/shared';
import type { ImageEngine, OutputFormat } from '../../engines/types';
import { AppError, notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { ReadBucket } from '../backups/originals';
import type { WatermarkSource } from '../watermarks/watermarks';
import { variantStorageKey } from './keys';

/** The parts of an image row rendering needs. */
export interface RenderableImage {
  id: string;
  ownerId: string;
  storageKey: string;
  contentType: ImageContentType;
  width: number;
  height: number;
  /** The row's `is_animated`: the engine keeps the frames unless `anim=false`. */
  isAnimated: boolean;
}

export interface VariantSpec {
  /** Preset name, or `custom`. */
  name: string;
  key: string;
  transform: ResolvedTransform;
  format: OutputFormat;
  /** The watermark `transform.watermark` names: where its original is read from. */
  watermark?: WatermarkSource;
}

export interface RenderedVariant {
  bytes: Uint8Array;
  contentType: string;
  etag: string;
  width: number;
  height: number;
}

/** A variant stored earlier, or `null`. */
export function getStoredVariant(
  bucket: R2Bucket,
  image: RenderableImage,
  spec: Pick<VariantSpec, 'key' | 'format'>,
): Promise<R2ObjectBody | null> {
  return bucket.get(variantStorageKey(image.storageKey, spec.key, spec.format));
}

/** What `image_variants` records about a variant stored in R2. */
export interface StoredVariantFacts {
  storageKey: string;
  bytes: number;
  width: number;
  height: number;
  engine: string;
}

/**
 * The upsert listing a stored variant as ready in `image_variants` (repeating it is harmless). Not run here:
 * callers run it alone or in a D1 batch with what depends on it.
 */
export function variantRowUpsert(
  db: Database,
  image: Pick<RenderableImage, 'id' | 'ownerId'>,
  spec: Pick<VariantSpec, 'name' | 'key' | 'format'>,
  facts: StoredVariantFacts,
) {
  const values = { status: 'ready' as const, ...facts, error: null };
  return db
    .insert(imageVariants)
    .values({
      id: newId('var'),
      imageId: image.id,
      ownerId: image.ownerId,
      name: spec.name,
      variantKey: spec.key,
      format: spec.format,
      ...values,
    })
    .onConflictDoUpdate({
      target: [imageVariants.imageId, imageVariants.variantKey, imageVariants.format],
      set: values,
    });
}

/**
 * The facts of a variant already in R2 (from the metadata stored with it), or `null` when it is not there
 * or lacks them, so a variant stored before its row was written can be listed without rendering it again.
 */
export async function storedVariantFacts(
  bucket: R2Bucket,
  image: RenderableImage,
  spec: Pick<VariantSpec, 'key' | 'format'>,
): Promise<StoredVariantFacts | null> {
  const storageKey = variantStorageKey(image.storageKey, spec.key, spec.format);
  const object = await bucket.head(storageKey);
  const meta = object?.customMetadata;
  const width = Number(meta?.width);
  const height = Number(meta?.height);
  if (!object || !meta?.engine || !(width > 0) || !(height > 0)) return null;
  return { storageKey, bytes: object.size, width, height, engine: meta.engine };
}

/**
 * Where a watermark's original is read (R2, or the owner's bucket: `originalsOf` for the watermark's image).
 * Callers pass it beside `originals` when the spec draws a watermark.
 */
export type WatermarkReader = (watermark: WatermarkSource) => Promise<ReadBucket>;

async function watermarkBytes(
  deps: { bucket: R2Bucket; watermarkOriginals?: WatermarkReader },
  watermark: WatermarkSource | undefined,
): Promise<{ bytes: Uint8Array; contentType: WatermarkSource['contentType'] } | undefined> {
  if (!watermark) return undefined;
  const reader = deps.watermarkOriginals ? await deps.watermarkOriginals(watermark) : deps.bucket;
  const object = await reader.get(watermark.storageKey);
  // The watermark's original is gone (deleted outside the API): never answer without the watermark.
  if (!object) throw new AppError(422, 'UNPROCESSABLE_IMAGE', 'The watermark image could not be read');
  return { bytes: new Uint8Array(await object.arrayBuffer()), contentType: watermark.contentType };
}

/** Runs the engine on the original and stores the result in R2, without touching D1. */
export async function renderToStorage(
  deps: {
    bucket: R2Bucket;
    engine: ImageEngine;
    originals?: ReadBucket;
    watermarkOriginals?: WatermarkReader;
  },
  image: RenderableImage,
  spec: VariantSpec,
): Promise<RenderedVariant & { facts: StoredVariantFacts }> {
  // The original from R2, or from the owner's bucket (bring your own storage); the rendition goes to R2 either way.
  const original = await (deps.originals ?? deps.bucket).get(image.storageKey);
  if (!original) throw notFound('Image');
  const watermark = await watermarkBytes(deps, spec.watermark);
  const output = await deps.engine.transform({
    source: new Uint8Array(await original.arrayBuffer()),
    sourceType: image.contentType,
    sourceSize: { width: image.width, height: image.height },
    sourceAnimated: image.isAnimated,
    transform: spec.transform,
    output: spec.format,
    ...(watermark ? { watermark } : {}),
  });
  const storageKey = variantStorageKey(image.storageKey, spec.key, spec.format);
  const stored = await deps.bucket.put(storageKey, output.bytes, {
    httpMetadata: { contentType: output.contentType },
    customMetadata: { width: String(output.width), height: String(output.height), engine: output.engine },
  });
  const facts = {
    storageKey,
    bytes: output.bytes.byteLength,
    width: output.width,
    height: output.height,
    engine: output.engine,
  };
  return { ...output, etag: stored.httpEtag, facts };
}

/**
 * Renders a variant, stores it in R2 and lists it in `image_variants`. `defer` lets the CDN answer before the
 * row is written.
 */
export async function renderVariant(
  deps: {
    db: Database;
    bucket: R2Bucket;
    engine: ImageEngine;
    originals?: ReadBucket;
    watermarkOriginals?: WatermarkReader;
    defer?: (work: Promise<unknown>) => void;
  },
  image: RenderableImage,
  spec: VariantSpec,
): Promise<RenderedVariant> {
  const { facts, ...rendered } = await renderToStorage(deps, image, spec);
  const record = variantRowUpsert(deps.db, image, spec, facts).run();
  if (deps.defer) deps.defer(record);
  else await record;
  return rendered;
}
