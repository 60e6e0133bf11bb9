import {
  ROUND_WIDTHS_TO_BUCKETS,
  VARIANT_PRESETS,
  VARIANT_QUALITY,
  WIDTH_BUCKETS,
  type VariantName,
} from '@pixelflare/config';
import { imageAi, namedTransforms, type Database } from '@pixelflare/database';
import {
  canonicalTransform,
  lockTransform,
  parseTransformQuery,
  resolveTransform,
  trimmedSize,
  type ResolvedTransform,
  type TransformInput,
  type TransformOnError,
} from '@pixelflare/shared';
import { and, eq } from 'drizzle-orm';
import { layoutFor, rotatedSize } from '../../engines/geometry';
import type { EngineName } from '../../engines/types';
import { sha256Hex } from '../../lib/crypto';
import { AppError, badRequest } from '../../lib/errors';
import { watermarkForRender, type WatermarkSource } from '../watermarks/watermarks';
import { chooseOutputFormat, type AcceptClass } from './negotiate';
import type { RenderableImage, VariantSpec } from './render';

/**
 * Which variant a request means, worked out once for the CDN (`cdn/serve.ts`) and the variants job
 * (`jobs/variants.ts`): the same preset gives both the same transform, key and format, so what the job renders
 * is what the CDN finds stored.
 */

/** A variant as a URL asks for it. */
export interface VariantRequest {
  /** The preset in the path; absent for the original. */
  preset?: VariantName;
  /**
   * The query's transform parameters (`parseTransformQuery`), `named` being `t=` and `onError` `onerror=` (how
   * the CDN answers a failure, not part of the variant); absent without a query.
   */
  query?: { input: TransformInput; named?: string; onError?: TransformOnError };
  /** The owner's own access (a valid signature): the album's forced transform is not applied. */
  unforced?: boolean;
}

/** What negotiation needs to know about who asks and who renders. */
export interface VariantOutput {
  accept: AcceptClass;
  engine: EngineName;
}

/** The image as resolution sees it: its size as given (upright), its type, and whose named transforms apply. */
export type VariantSource = Pick<
  RenderableImage,
  'ownerId' | 'contentType' | 'width' | 'height' | 'isAnimated'
> & {
  /** The image's id, where its stored focal point (`g=auto`, `g=face`) is looked up. */
  id?: string;
  /** Its album's forced transform (a named transform drawing a watermark), locked over everything else. */
  forcedTransform?: string | null;
};

/** A preset's parameters as transform input: quality 85, automatic format. */
function presetInput(name: VariantName): TransformInput {
  const preset: { width?: number; height?: number; fit: 'scale-down' | 'cover' } = VARIANT_PRESETS[name];
  return {
    width: preset.width,
    height: preset.height,
    fit: preset.fit,
    quality: VARIANT_QUALITY,
    format: 'auto',
  };
}

/** A named transform's parameters, which win over the URL's; an unknown name is the caller's mistake (400). */
async function namedTransformInput(db: Database, ownerId: string, name: string): Promise<TransformInput> {
  const row = await db
    .select({ params: namedTransforms.params })
    .from(namedTransforms)
    .where(and(eq(namedTransforms.ownerId, ownerId), eq(namedTransforms.name, name)))
    .get();
  if (!row)
    throw badRequest(`t: no transform named "${name}"`, [
      { path: 't', message: `no transform named "${name}"` },
    ]);
  const parsed = parseTransformQuery(Object.entries(row.params));
  if (!parsed.ok)
    throw new AppError(422, 'UNPROCESSABLE_IMAGE', `The transform "${name}" has invalid parameters`);
  return parsed.input;
}

/**
 * The transform: the preset, the query's parameters over it, the named transform's over both, and the album's
 * forced transform over all (unless the request is the owner's own, signed): its watermark cannot be dropped.
 */
async function variantTransform(
  db: Database,
  source: VariantSource,
  request: VariantRequest,
): Promise<ResolvedTransform> {
  const input = { ...(request.preset ? presetInput(request.preset) : {}), ...request.query?.input };
  const named = request.query?.named;
  const forced = request.unforced ? undefined : (source.forcedTransform ?? undefined);
  const requested = named ? await namedTransformInput(db, source.ownerId, named) : undefined;
  const locked = forced
    ? lockTransform(requested ?? {}, await namedTransformInput(db, source.ownerId, forced))
    : requested;
  const transform = resolveTransform(input, {
    locked,
    widthBuckets: ROUND_WIDTHS_TO_BUCKETS ? WIDTH_BUCKETS : undefined,
  });
  return withStoredFocus(db, source, transform);
}

/**
 * `g=auto` and `g=face` become the focal point analysis stored (the faces when it found any, else the most
 * salient object: one point, faces first), on every engine; without one, the engine's own `auto`. The point is
 * part of the variant's key, so a re-analysis that moves it renders anew.
 */
async function withStoredFocus(
  db: Database,
  source: VariantSource,
  transform: ResolvedTransform,
): Promise<ResolvedTransform> {
  if (transform.gravity !== 'auto' && transform.gravity !== 'face') return transform;
  const row = source.id
    ? await db.select({ focal: imageAi.focal }).from(imageAi).where(eq(imageAi.imageId, source.id)).get()
    : undefined;
  const focal = row?.focal;
  return { ...transform, gravity: focal ? { x: focal.x, y: focal.y } : 'auto' };
}

/**
 * A focal point (given, or stored by analysis) is a point of the original; with `trim` the engines crop what is
 * left, so it becomes that point's place in the trimmed image (at its edge when trimmed away), to 4 decimals.
 */
function withTrimmedFocus(transform: ResolvedTransform, source: VariantSource): ResolvedTransform {
  const { trim, gravity } = transform;
  if (!trim || typeof gravity !== 'object') return transform;
  const along = (point: number, length: number, start: number, end: number) => {
    const place = (point * length - start) / (length - start - end);
    return Math.round(Math.min(1, Math.max(0, place)) * 10_000) / 10_000;
  };
  return {
    ...transform,
    gravity: {
      x: along(gravity.x, source.width, trim.left, trim.right),
      y: along(gravity.y, source.height, trim.top, trim.bottom),
    },
  };
}

/**
 * SHA-256 of the canonical transform: equal requests share one stored variant. A watermark's version is part of
 * it, so replacing the watermark's image (a new version) never serves a rendition drawn with the old one.
 */
function variantKeyOf(transform: ResolvedTransform, watermark?: WatermarkSource): Promise<string> {
  const canonical = canonicalTransform(transform);
  return sha256Hex(watermark ? `${canonical}&wm_version=${watermark.version}` : canonical);
}

/**
 * The variant a request for `source` means: its transform, key, output format (negotiated for `output`, laid out
 * on the source's size turned by the transform's own `rotate`) and stored name (the preset, or `custom` once the
 * query carries parameters).
 */
export async function resolveVariant(
  db: Database,
  source: VariantSource,
  request: VariantRequest,
  output: VariantOutput,
): Promise<VariantSpec> {
  const asked = await variantTransform(db, source, request);
  // `trim` is cut from the upright original before everything else; one that leaves nothing is the URL's mistake.
  const trimmed = trimmedSize({ width: source.width, height: source.height }, asked.trim);
  if (!trimmed) {
    const message = `trim leaves no pixel of this ${source.width}×${source.height} image`;
    throw badRequest(`Invalid transform: ${message}`, [{ path: 'trim', message }]);
  }
  const transform = withTrimmedFocus(asked, source);
  // An unknown watermark is a 400 on `wm`; only the owner's own are ever found.
  const watermark = transform.watermark
    ? await watermarkForRender(db, source.ownerId, transform.watermark.name)
    : undefined;
  const turned = rotatedSize(trimmed, transform.rotate);
  const format = chooseOutputFormat({
    requested: transform.format,
    anim: transform.anim,
    accept: output.accept,
    sourceType: source.contentType,
    sourceAnimated: source.isAnimated,
    outputWidth: layoutFor(turned, transform).canvas.width,
    engine: output.engine,
  });
  return {
    name: request.preset && !request.query ? request.preset : 'custom',
    key: await variantKeyOf(transform, watermark),
    transform,
    format,
    ...(watermark ? { watermark } : {}),
  };
}
