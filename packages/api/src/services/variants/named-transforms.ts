import { albums, namedTransforms, type Database } from '@pixelflare/database';
import { parseTransformQuery, type NamedTransform } from '@pixelflare/shared';
import { and, asc, eq } from 'drizzle-orm';
import type { VariantsQueueMessage } from '../../jobs/messages';
import { purgeAlbumsForcing } from '../albums/purge';
import { assertWatermarkExists } from '../watermarks/watermarks';
import { badRequest, conflict, notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';

type Row = typeof namedTransforms.$inferSelect;

const toResource = (row: Row): NamedTransform => ({
  id: row.id,
  name: row.name,
  params: row.params,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

/**
 * Locked parameters must be valid transform parameters themselves, cannot name another transform, and a `wm` must
 * name one of the owner's own watermarks.
 */
async function validateParams(
  db: Database,
  ownerId: string,
  params: Record<string, string>,
): Promise<Record<string, string>> {
  const parsed = parseTransformQuery(Object.entries(params));
  const issues = parsed.ok ? [] : parsed.issues;
  if (parsed.ok && parsed.named) issues.push({ path: 't', message: 'a named transform cannot use another' });
  // How a failure is answered is the URL's choice (`?t=card&onerror=redirect`), not a transform's parameter.
  if (parsed.ok && parsed.onError)
    issues.push({ path: 'onerror', message: 'onerror belongs in the URL, not in a named transform' });
  if (issues.length > 0)
    throw badRequest(
      `Invalid transform parameters: ${issues.map((issue) => issue.message).join('; ')}`,
      issues.map((issue) => ({ ...issue, path: `params.${issue.path}` })),
    );
  if (params.wm !== undefined) await assertWatermarkExists(db, ownerId, params.wm);
  return params;
}

/** The owner's albums that force this transform over their public renditions. */
async function albumsForcing(db: Database, ownerId: string, name: string): Promise<string[]> {
  const rows = await db
    .select({ slug: albums.slug })
    .from(albums)
    .where(and(eq(albums.ownerId, ownerId), eq(albums.forcedTransform, name)));
  return rows.map((row) => row.slug);
}

/**
 * An album may force only one of its owner's transforms that draws a watermark (400 on `forced_transform`
 * otherwise): forcing is for watermarking every public rendition.
 */
export async function assertForcible(db: Database, ownerId: string, name: string): Promise<void> {
  const row = await db
    .select({ params: namedTransforms.params })
    .from(namedTransforms)
    .where(and(eq(namedTransforms.ownerId, ownerId), eq(namedTransforms.name, name)))
    .get();
  const refuse = (message: string) => badRequest(message, [{ path: 'forced_transform', message }]);
  if (!row) throw refuse(`no transform named "${name}"`);
  if (row.params.wm === undefined) throw refuse(`the transform "${name}" draws no watermark (wm)`);
}

export async function listNamedTransforms(db: Database, ownerId: string): Promise<NamedTransform[]> {
  const rows = await db
    .select()
    .from(namedTransforms)
    .where(eq(namedTransforms.ownerId, ownerId))
    .orderBy(asc(namedTransforms.name));
  return rows.map(toResource);
}

async function findRow(db: Database, ownerId: string, name: string): Promise<Row> {
  const row = await db
    .select()
    .from(namedTransforms)
    .where(and(eq(namedTransforms.ownerId, ownerId), eq(namedTransforms.name, name)))
    .get();
  if (!row) throw notFound('Transform');
  return row;
}

export async function getNamedTransform(
  db: Database,
  ownerId: string,
  name: string,
): Promise<NamedTransform> {
  return toResource(await findRow(db, ownerId, name));
}

export async function createNamedTransform(
  db: Database,
  ownerId: string,
  input: { name: string; params: Record<string, string> },
): Promise<NamedTransform> {
  const params = await validateParams(db, ownerId, input.params);
  const existing = await db
    .select({ id: namedTransforms.id })
    .from(namedTransforms)
    .where(and(eq(namedTransforms.ownerId, ownerId), eq(namedTransforms.name, input.name)))
    .get();
  if (existing) throw conflict(`A transform named "${input.name}" already exists`);
  const [row] = await db
    .insert(namedTransforms)
    .values({ id: newId('ntf'), ownerId, name: input.name, params })
    .returning();
  return toResource(row!);
}

/**
 * Replaces a transform's parameters. One that albums force must keep a watermark (409), and those albums' cached
 * answers are purged (queued), since every public URL of theirs answers with it.
 */
export async function updateNamedTransform(
  deps: { db: Database; variantsQueue: Queue<VariantsQueueMessage> },
  ownerId: string,
  name: string,
  params: Record<string, string>,
): Promise<NamedTransform> {
  const { db } = deps;
  const row = await findRow(db, ownerId, name);
  const valid = await validateParams(db, ownerId, params);
  const forcing = await albumsForcing(db, ownerId, name);
  if (forcing.length > 0 && valid.wm === undefined)
    throw conflict(`The album(s) ${forcing.join(', ')} force this transform: it must keep a watermark (wm)`);
  const [updated] = await db
    .update(namedTransforms)
    .set({ params: valid })
    .where(eq(namedTransforms.id, row.id))
    .returning();
  await purgeAlbumsForcing(deps, ownerId, forcing.length > 0 ? [name] : []);
  return toResource(updated!);
}

/** Deletes a transform; refused (409) while an album forces it. */
export async function deleteNamedTransform(db: Database, ownerId: string, name: string): Promise<string> {
  const row = await findRow(db, ownerId, name);
  const forcing = await albumsForcing(db, ownerId, name);
  if (forcing.length > 0)
    throw conflict(`The album(s) ${forcing.join(', ')} force this transform: choose another for them first`);
  await db.delete(namedTransforms).where(eq(namedTransforms.id, row.id));
  return row.id;
}
