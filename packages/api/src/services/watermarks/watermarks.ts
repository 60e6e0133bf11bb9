import { WATERMARK_MAX_PIXELS } from '@pixelflare/config';
import { images, namedTransforms, watermarks, type Database, type Watermark } from '@pixelflare/database';
import type { WatermarkCreate, WatermarkResource } from '@pixelflare/shared';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { VariantsQueueMessage } from '../../jobs/messages';
import { AppError, badRequest, conflict, notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { isUniqueViolation } from '../../lib/sql';
import { purgeAlbumsForcing } from '../albums/purge';
import type { OriginalLocation } from '../backups/originals';

/**
 * An owner's watermarks: images marked under a name (`?wm=name`). Every query is scoped by owner, so another
 * owner's watermark can neither be drawn nor named. The invariant that keeps renditions honest lives here: each
 * mark and each replacement gets a new `version`, which is part of every watermarked variant's key, and a
 * replacement purges the cached answers of the albums that force a transform drawing it.
 */

const toResource = (row: Watermark): WatermarkResource => ({
  id: row.id,
  name: row.name,
  image_id: row.imageId,
  version: row.version,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

export async function listWatermarks(db: Database, ownerId: string): Promise<WatermarkResource[]> {
  const rows = await db
    .select()
    .from(watermarks)
    .where(eq(watermarks.ownerId, ownerId))
    .orderBy(asc(watermarks.name));
  return rows.map(toResource);
}

async function findRow(db: Database, ownerId: string, name: string): Promise<Watermark> {
  const row = await db
    .select()
    .from(watermarks)
    .where(and(eq(watermarks.ownerId, ownerId), eq(watermarks.name, name)))
    .get();
  if (!row) throw notFound('Watermark');
  return row;
}

export async function getWatermark(db: Database, ownerId: string, name: string): Promise<WatermarkResource> {
  return toResource(await findRow(db, ownerId, name));
}

/**
 * A watermark must be one of the owner's live raster images that the engines can read in the clear: not SVG, not
 * encrypted, not animated, not larger than `WATERMARK_MAX_PIXELS`. Another owner's id is answered like a missing one.
 */
async function assertUsableImage(db: Database, ownerId: string, imageId: string): Promise<void> {
  const image = await db
    .select({
      contentType: images.contentType,
      isEncrypted: images.isEncrypted,
      isAnimated: images.isAnimated,
      width: images.width,
      height: images.height,
    })
    .from(images)
    .where(
      and(
        eq(images.id, imageId),
        eq(images.ownerId, ownerId),
        eq(images.status, 'ready'),
        isNull(images.deletedAt),
      ),
    )
    .get();
  const refuse = (message: string) => badRequest(message, [{ path: 'image_id', message }]);
  if (!image) throw refuse('not one of your images');
  if (image.contentType === 'image/svg+xml') throw refuse('an SVG cannot be a watermark: use PNG or WebP');
  if (image.isEncrypted) throw refuse('an encrypted image cannot be a watermark');
  if (image.isAnimated) throw refuse('an animated image cannot be a watermark');
  if (image.width * image.height > WATERMARK_MAX_PIXELS)
    throw refuse(`a watermark has at most ${WATERMARK_MAX_PIXELS / 1e6} MP`);
}

const imageTaken = () => conflict('This image is already a watermark (under another name)');

/** Marks one of the owner's images as a watermark under a new name (409 if the name or the image is taken). */
export async function createWatermark(
  db: Database,
  ownerId: string,
  input: WatermarkCreate,
): Promise<WatermarkResource> {
  await assertUsableImage(db, ownerId, input.image_id);
  const [byName, byImage] = await Promise.all([
    db
      .select({ id: watermarks.id })
      .from(watermarks)
      .where(and(eq(watermarks.ownerId, ownerId), eq(watermarks.name, input.name)))
      .get(),
    db.select({ id: watermarks.id }).from(watermarks).where(eq(watermarks.imageId, input.image_id)).get(),
  ]);
  if (byName) throw conflict(`A watermark named "${input.name}" already exists`);
  if (byImage) throw imageTaken();
  try {
    const [row] = await db
      .insert(watermarks)
      .values({
        id: newId('wmk'),
        ownerId,
        name: input.name,
        imageId: input.image_id,
        version: newId('wmv'),
      })
      .returning();
    return toResource(row!);
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`The name "${input.name}" or this image is already taken`);
    throw error;
  }
}

/** The named transforms of the owner that draw this watermark. */
async function transformsDrawing(db: Database, ownerId: string, name: string): Promise<string[]> {
  const rows = await db
    .select({ name: namedTransforms.name, params: namedTransforms.params })
    .from(namedTransforms)
    .where(eq(namedTransforms.ownerId, ownerId));
  return rows.filter((row) => row.params.wm === name).map((row) => row.name);
}

/**
 * Draws another image under the same name. The new `version` changes the key of every rendition drawn with it
 * (stored ones are never served again), and albums forcing a transform that draws it get their cached answers
 * purged (queued; a queue refusal is a 503 after the change is saved, like setting an album private).
 */
export async function replaceWatermark(
  deps: { db: Database; variantsQueue: Queue<VariantsQueueMessage> },
  ownerId: string,
  name: string,
  imageId: string,
): Promise<WatermarkResource> {
  const { db } = deps;
  const row = await findRow(db, ownerId, name);
  await assertUsableImage(db, ownerId, imageId);
  if (imageId !== row.imageId) {
    const other = await db
      .select({ id: watermarks.id })
      .from(watermarks)
      .where(eq(watermarks.imageId, imageId))
      .get();
    if (other) throw imageTaken();
  }
  const [updated] = await db
    .update(watermarks)
    .set({ imageId, version: newId('wmv'), updatedAt: new Date() })
    .where(eq(watermarks.id, row.id))
    .returning();
  await purgeAlbumsForcing(deps, ownerId, await transformsDrawing(db, ownerId, name));
  return toResource(updated!);
}

/**
 * Unmarks a watermark. Refused (409) while a named transform draws it: an album forcing that transform would
 * otherwise stop answering. `?wm=name` is then a 400; marking the name again gives a new version (new keys).
 */
export async function deleteWatermark(db: Database, ownerId: string, name: string): Promise<string> {
  const row = await findRow(db, ownerId, name);
  const users = await transformsDrawing(db, ownerId, name);
  if (users.length > 0)
    throw conflict(`The watermark is drawn by the transform(s) ${users.join(', ')}: change them first`);
  await db.delete(watermarks).where(eq(watermarks.id, row.id));
  return row.id;
}

/** What rendering needs of a watermark: its version (in the variant key) and where its original is. */
export interface WatermarkSource extends OriginalLocation {
  version: string;
  width: number;
  height: number;
}

/** The owner's watermark by name, for a transform that draws it; unknown is the caller's mistake (400 on `wm`). */
export async function watermarkForRender(
  db: Database,
  ownerId: string,
  name: string,
): Promise<WatermarkSource> {
  const row = await db
    .select({
      version: watermarks.version,
      id: images.id,
      ownerId: images.ownerId,
      storageKey: images.storageKey,
      contentType: images.contentType,
      isEncrypted: images.isEncrypted,
      originalIn: images.originalIn,
      width: images.width,
      height: images.height,
    })
    .from(watermarks)
    .innerJoin(images, and(eq(images.id, watermarks.imageId), eq(images.ownerId, watermarks.ownerId)))
    .where(and(eq(watermarks.ownerId, ownerId), eq(watermarks.name, name)))
    .get();
  if (!row)
    throw badRequest(`wm: no watermark named "${name}"`, [
      { path: 'wm', message: `no watermark named "${name}"` },
    ]);
  if (row.isEncrypted) throw new AppError(422, 'UNPROCESSABLE_IMAGE', 'The watermark image is encrypted');
  return row;
}

/** A named transform's `wm` must name one of the owner's watermarks (checked when the transform is saved). */
export async function assertWatermarkExists(db: Database, ownerId: string, name: string): Promise<void> {
  const row = await db
    .select({ id: watermarks.id })
    .from(watermarks)
    .where(and(eq(watermarks.ownerId, ownerId), eq(watermarks.name, name)))
    .get();
  if (!row)
    throw badRequest(`No watermark named "${name}"`, [
      { path: 'params.wm', message: `no watermark named "${name}"` },
    ]);
}
