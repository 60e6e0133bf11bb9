import { imageAi, type Database } from '@pixelflare/database';
import type { ImagePlaceholder } from '@pixelflare/shared';
import { inList } from '../../lib/sql';

/**
 * The stored placeholders of a page of images (image id → placeholder), in one query. Apart from analyze.ts so
 * the request path reads them without loading the pixel code.
 */
export async function placeholdersByImage(
  db: Database,
  imageIds: string[],
): Promise<Map<string, ImagePlaceholder>> {
  const byImage = new Map<string, ImagePlaceholder>();
  if (imageIds.length === 0) return byImage;
  const rows = await db
    .select({ imageId: imageAi.imageId, thumbhash: imageAi.thumbhash, dominantColor: imageAi.dominantColor })
    .from(imageAi)
    .where(inList(imageAi.imageId, imageIds));
  for (const row of rows)
    if (row.thumbhash)
      byImage.set(row.imageId, { thumbhash: row.thumbhash, dominant_color: row.dominantColor });
  return byImage;
}
