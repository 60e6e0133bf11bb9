import { VARIANT_PRESETS, type VariantName } from '@pixelflare/config';
import { imageVariants, type Database, type Image } from '@pixelflare/database';
import { cdnPathUrl, type ImageVariant } from '@pixelflare/shared';
import { and, asc, eq } from 'drizzle-orm';
import { inList } from '../../lib/sql';
import type { ImageView } from '../images/resource';

/**
 * The enabled presets of one image, each with the renditions stored for it (format, status, size, engine).
 * A preset with none is rendered by the CDN on its first request. Query-string transforms are not listed:
 * they are cached, not kept.
 */
export async function listImageVariants(
  db: Database,
  image: Image,
  view: ImageView,
  enabled: readonly VariantName[],
): Promise<ImageVariant[]> {
  const rows = await db
    .select()
    .from(imageVariants)
    .where(
      and(
        eq(imageVariants.ownerId, image.ownerId),
        eq(imageVariants.imageId, image.id),
        inList(imageVariants.name, enabled),
      ),
    )
    .orderBy(asc(imageVariants.format));
  return enabled.map((preset) => {
    const box: { width?: number; height?: number; fit: 'scale-down' | 'cover' } = VARIANT_PRESETS[preset];
    return {
      preset,
      width: box.width ?? null,
      height: box.height ?? null,
      fit: box.fit,
      // No plain URL of an encrypted image works (404): its presets are reached through access tokens.
      url: image.isEncrypted
        ? null
        : cdnPathUrl(view.cdn, view.ownerSlug, image.albumSlug, image.filename, preset),
      formats: rows
        .filter((row) => row.name === preset)
        .map((row) => ({
          format: row.format,
          status: row.status,
          bytes: row.bytes,
          width: row.width,
          height: row.height,
          engine: row.engine,
          error: row.error,
        })),
    };
  });
}
