import { imageTags, images, tags, type Database } from '@pixelflare/database';
import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import { AppError, notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { inList, jsonColumn, jsonEach } from '../../lib/sql';
import type { VariantsQueueMessage } from '../../jobs/messages';
import { queueEmbeddings } from '../analysis/enqueue';

/**
 * Statements that give an image exactly these tags, for the caller's `db.batch`: create missing tags
 * (ignoring ones a concurrent request just created), then link by name through a sub-select, so the link
 * never depends on an id read earlier. `when` makes the additions depend on a condition at run time (an
 * earlier statement of the batch having written the image).
 */
export function setImageTagsStatements(
  db: Database,
  ownerId: string,
  imageId: string,
  names: string[],
  when: SQL = sql`true`,
) {
  return [
    db.delete(imageTags).where(eq(imageTags.imageId, imageId)),
    ...addImageTagsStatements(db, ownerId, imageId, names, when),
  ];
}

/**
 * Statements that add these tags to an image, keeping the ones it has. The names travel as one bound JSON array
 * (a `values` row per tag would bind four parameters each, past D1's 100 at 25 tags).
 */
export function addImageTagsStatements(
  db: Database,
  ownerId: string,
  imageId: string,
  names: string[],
  when: SQL = sql`true`,
) {
  if (names.length === 0) return [];
  return [
    db
      .insert(tags)
      .select(
        db
          .select({
            id: jsonColumn<string>(0).as('id'),
            ownerId: sql<string>`${ownerId}`.as('owner_id'),
            name: jsonColumn<string>(1).as('name'),
            createdAt: sql<Date>`${Date.now()}`.as('created_at'),
          })
          .from(jsonEach(names.map((name) => [newId('tag'), name])))
          // SQLite needs a WHERE before an upsert's ON CONFLICT in INSERT ... SELECT (else ON parses as a join).
          .where(when),
      )
      .onConflictDoNothing(),
    db
      .insert(imageTags)
      .select(
        db
          .select({ imageId: sql<string>`${imageId}`.as('image_id'), tagId: tags.id })
          .from(tags)
          .where(and(eq(tags.ownerId, ownerId), inList(tags.name, names), when)),
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
    .where(inList(imageTags.imageId, imageIds))
    .orderBy(tags.name);
  for (const row of rows) byImage.set(row.imageId, [...(byImage.get(row.imageId) ?? []), row.name]);
  return byImage;
}

/** The owner's tags with how many live (not trashed) images carry each. */
export async function listTagsWithCounts(db: Database, ownerId: string) {
  return db
    .select({
      name: tags.name,
      count: sql<number>`count(${images.id})`.mapWith(Number),
    })
    .from(tags)
    .leftJoin(imageTags, eq(imageTags.tagId, tags.id))
    .leftJoin(
      images,
      and(eq(images.id, imageTags.imageId), isNull(images.deletedAt), eq(images.status, 'ready')),
    )
    .where(eq(tags.ownerId, ownerId))
    .groupBy(tags.id)
    .orderBy(tags.name);
}

async function findTag(db: Database, ownerId: string, name: string) {
  const [tag] = await db
    .select()
    .from(tags)
    .where(and(eq(tags.ownerId, ownerId), eq(tags.name, name)))
    .limit(1);
  return tag ?? null;
}

/** The images carrying a tag: their embeddings include its name, so a rename or merge asks for them again. */
async function reembedTagged(
  db: Database,
  variantsQueue: Queue<VariantsQueueMessage> | undefined,
  ownerId: string,
  tagId: string,
): Promise<void> {
  if (!variantsQueue) return;
  const tagged = await db
    .select({ imageId: imageTags.imageId })
    .from(imageTags)
    .where(eq(imageTags.tagId, tagId));
  await queueEmbeddings(
    variantsQueue,
    ownerId,
    tagged.map((row) => row.imageId),
  );
}

/** Renames a tag; renaming onto an existing tag is a 409 (use merge). */
export async function renameTag(
  db: Database,
  ownerId: string,
  from: string,
  to: string,
  variantsQueue?: Queue<VariantsQueueMessage>,
): Promise<void> {
  const tag = await findTag(db, ownerId, from);
  if (!tag) throw notFound(`Tag "${from}"`);
  if (from === to) return;
  if (await findTag(db, ownerId, to)) {
    throw new AppError(409, 'CONFLICT', `Tag "${to}" already exists; merge "${from}" into it instead`);
  }
  await db.update(tags).set({ name: to }).where(eq(tags.id, tag.id));
  await reembedTagged(db, variantsQueue, ownerId, tag.id);
}

/** Moves every image of `from` to `into` (created if missing) and deletes `from`, in one batch. */
export async function mergeTags(
  db: Database,
  ownerId: string,
  from: string,
  into: string,
  variantsQueue?: Queue<VariantsQueueMessage>,
): Promise<void> {
  const source = await findTag(db, ownerId, from);
  if (!source) throw notFound(`Tag "${from}"`);
  if (from === into) return;
  // Before the batch deletes the source tag with its links.
  await reembedTagged(db, variantsQueue, ownerId, source.id);
  await db.batch([
    db
      .insert(tags)
      .values({ id: newId('tag'), ownerId, name: into })
      .onConflictDoNothing(),
    db
      .insert(imageTags)
      .select(
        db
          .select({
            imageId: imageTags.imageId,
            tagId: sql<string>`(select id from tags where owner_id = ${ownerId} and name = ${into})`.as(
              'tag_id',
            ),
          })
          .from(imageTags)
          .where(eq(imageTags.tagId, source.id)),
      )
      .onConflictDoNothing(),
    db.delete(tags).where(eq(tags.id, source.id)),
  ]);
}
