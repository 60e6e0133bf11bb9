import { namedTransforms, type Database } from '@pixelflare/database';
import { parseTransformQuery, type NamedTransform } from '@pixelflare/shared';
import { and, asc, eq } from 'drizzle-orm';
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

/** Locked parameters must be valid transform parameters themselves, and cannot name another transform. */
function validateParams(params: Record<string, string>): Record<string, string> {
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
  return params;
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
  const params = validateParams(input.params);
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

export async function updateNamedTransform(
  db: Database,
  ownerId: string,
  name: string,
  params: Record<string, string>,
): Promise<NamedTransform> {
  const row = await findRow(db, ownerId, name);
  const [updated] = await db
    .update(namedTransforms)
    .set({ params: validateParams(params) })
    .where(eq(namedTransforms.id, row.id))
    .returning();
  return toResource(updated!);
}

export async function deleteNamedTransform(db: Database, ownerId: string, name: string): Promise<string> {
  const row = await findRow(db, ownerId, name);
  await db.delete(namedTransforms).where(eq(namedTransforms.id, row.id));
  return row.id;
}
