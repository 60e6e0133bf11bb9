import { isLocale, type PlanTier } from '@pixelflare/config';
import { users, type Database } from '@pixelflare/database';
import { pageOf, type Page, type Profile, type ProfileUpdate } from '@pixelflare/shared';
import { asc, eq, gt } from 'drizzle-orm';
import { AppError } from '../../lib/errors';

type UserRow = typeof users.$inferSelect;

export function toProfile(row: UserRow): Profile {
  return {
    id: row.id,
    slug: row.slug,
    email: row.email,
    display_name: row.displayName,
    bio: row.bio,
    website: row.website,
    avatar_url: row.avatarUrl,
    github: row.github,
    locale: isLocale(row.locale) ? row.locale : null,
    is_admin: row.isAdmin,
    ai_analysis: row.aiAnalysis,
    plan: row.plan,
    image_count: row.imageCount,
    storage_bytes: row.storageBytes,
    created_at: row.createdAt.toISOString(),
  };
}

export async function getProfile(db: Database, userId: string): Promise<Profile> {
  const row = await db.select().from(users).where(eq(users.id, userId)).get();
  if (!row) throw new AppError(404, 'NOT_FOUND', 'No such user');
  return toProfile(row);
}

/** Only the fields present in the update change; `null` clears one. The slug and email are not editable here. */
export async function updateProfile(db: Database, userId: string, update: ProfileUpdate): Promise<Profile> {
  const changes: Partial<UserRow> = {};
  if (update.display_name !== undefined) changes.displayName = update.display_name || null;
  if (update.bio !== undefined) changes.bio = update.bio || null;
  if (update.website !== undefined) changes.website = update.website;
  if (update.avatar_url !== undefined) changes.avatarUrl = update.avatar_url;
  if (update.github !== undefined) changes.github = update.github;
  if (update.locale !== undefined) changes.locale = update.locale;
  if (update.ai_analysis !== undefined) changes.aiAnalysis = update.ai_analysis;
  if (Object.keys(changes).length > 0) {
    await db
      .update(users)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(users.id, userId));
  }
  return getProfile(db, userId);
}

/** Every user, ordered by id (time-ordered), for the admin console. The cursor is the last id seen. */
export async function listUsers(
  db: Database,
  page: { limit: number; cursor?: string },
): Promise<Page<Profile>> {
  const rows = await db
    .select()
    .from(users)
    .where(page.cursor ? gt(users.id, page.cursor) : undefined)
    .orderBy(asc(users.id))
    .limit(page.limit + 1);
  return pageOf(rows.map(toProfile), page.limit, (last) => last.id);
}

export async function setUserPlan(db: Database, userId: string, plan: PlanTier): Promise<Profile> {
  const updated = await db
    .update(users)
    .set({ plan, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning({ id: users.id });
  if (updated.length === 0) throw new AppError(404, 'NOT_FOUND', 'No such user');
  return getProfile(db, userId);
}
