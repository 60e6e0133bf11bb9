import { imageTags, tags, type Database } from '@pixelflare/database';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { newId } from '../../lib/ids';

/**
 * Statements that give an image exactly these tags, for the caller's `db.batch`: create missing tags
 * (ignoring ones a concurrent request just created), then link by name through a sub-select, so the link
 * never depends on an id read earlier.
 */
export function setImageTagsStatements(db: Database, ownerId: string, imageId: string, names: string[]) {
  const statements = [db.delete(imageTags).where(eq(imageTags.imageId, imageId))];
  if (names.length === 0) return statements;
  return [
    ...statements,
    db
      .insert(tags)
      .values(names.map((name) => ({ id: newId('tag'), ownerId, name })))
      .onConflictDoNothing(),
    db
      .insert(imageTags)
      .select(
        db
          .select({ imageId: sql<string>`${imageId}`.as('image_id'), tagId: tags.id })
          .from(tags)
          .where(and(eq(tags.ownerId, ownerId), inArray(tags.name, names))),
      )
      .onConflictDoNothing(),
  ];
}

/** Tag names per image, for a page of images. */
export async function tagsByImage(db: Database, imageIds: string[]): Promise<Map<string, string[]>> {
  const byImage = new Map<string, string[]>();
  if (imageIds.length === 0) return byImage;
  const rows = await db
    .select({ imageId: imageTags.imageId, name: tags.name })
    .from(imageTags)
    .innerJoin(tags, eq(tags.id, imageTags.tagId))
    .where(inArray(imageTags.imageId, imageIds))
    .orderBy(tags.name);
  for (const row of rows) byImage.set(row.imageId, [...(byImage.get(row.imageId) ?? []), row.name]);
  return byImage;
}
