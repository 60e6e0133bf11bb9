import {
  OWNER_SLUG_MAX_LENGTH,
  OWNER_SLUG_PATTERN,
  RESERVED_OWNER_SLUGS,
  type PlanTier,
} from '@pixelflare/config';
import { users, type Database } from '@pixelflare/database';
import { eq } from 'drizzle-orm';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { inList } from '../../lib/sql';

type UserRow = typeof users.$inferSelect;

/** Who an identity provider says signed in. `key` is stable per person and provider; never shown to anyone. */
export interface ExternalIdentity {
  /** Which column links the identity to a user. */
  kind: 'authjs' | 'access';
  /** `provider:accountId` for Auth.js, the SHA-256 of `sub` for Cloudflare Access. */
  key: string;
  /** Slug candidates in order of preference: a username, then the email's local part. */
  usernames: (string | null | undefined)[];
  email?: string | null;
  emailVerified?: boolean;
  name?: string | null;
  image?: string | null;
}

/** `Jane.Doe+pics` → `jane-doe-pics`; null when nothing usable is left. */
export function slugify(candidate: string): string | null {
  const slug = candidate
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, OWNER_SLUG_MAX_LENGTH)
    .replace(/-+$/, '');
  return OWNER_SLUG_PATTERN.test(slug) ? slug : null;
}

/** The first free slug: the preferred candidates as they are, then the first one with a number (`jane-2`). */
async function freeSlug(db: Database, identity: ExternalIdentity): Promise<string> {
  const candidates = [
    ...new Set(
      [...identity.usernames, identity.email?.split('@')[0]]
        .map((value) => (value ? slugify(value) : null))
        .filter((slug): slug is string => slug !== null && !RESERVED_OWNER_SLUGS.has(slug)),
    ),
  ];
  const base = candidates[0] ?? 'user';
  const numbered = Array.from(
    { length: 20 },
    (_, i) => `${base.slice(0, OWNER_SLUG_MAX_LENGTH - 4)}-${i + 2}`,
  );
  const wanted = [...candidates, ...numbered];
  const taken = new Set(
    (await db.select({ slug: users.slug }).from(users).where(inList(users.slug, wanted)).all()).map(
      (row) => row.slug,
    ),
  );
  return wanted.find((slug) => !taken.has(slug)) ?? `user-${newId('u').slice(-10)}`;
}

/**
 * The user behind an external identity, created on first sign-in. Accounts are never linked by email: a provider
 * that does not verify addresses would otherwise let anyone take over an account. A verified email that no other
 * user holds is recorded; otherwise the new user has none. The first user of an empty instance is its administrator.
 * A new user starts on `plan` (`newAccountPlan`: unlimited on a self-hosted instance, free where limits apply).
 */
export async function provisionUser(
  db: Database,
  identity: ExternalIdentity,
  plan: PlanTier,
): Promise<{ user: UserRow; created: boolean }> {
  const column = identity.kind === 'authjs' ? users.authjsUserId : users.accessSubjectHash;
  const existing = await db.select().from(users).where(eq(column, identity.key)).get();
  if (existing) return { user: existing, created: false };

  const email = identity.email && identity.emailVerified ? identity.email.toLowerCase() : null;
  const emailTaken = email
    ? (await db.select({ id: users.id }).from(users).where(eq(users.email, email)).get()) !== undefined
    : false;
  const isFirstUser = (await db.select({ id: users.id }).from(users).limit(1).get()) === undefined;
  // Two first sign-ins can race: the unique slug index refuses one insert, which then looks again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await db
      .insert(users)
      .values({
        id: newId('usr'),
        slug: await freeSlug(db, identity),
        email: emailTaken ? null : email,
        displayName: identity.name?.slice(0, 100) || null,
        avatarUrl: identity.image?.startsWith('https://') ? identity.image : null,
        isAdmin: isFirstUser,
        plan,
        ...(identity.kind === 'authjs'
          ? { authjsUserId: identity.key }
          : { accessSubjectHash: identity.key }),
      })
      .onConflictDoNothing()
      .returning()
      .get();
    if (inserted) return { user: inserted, created: true };
    const raced = await db.select().from(users).where(eq(column, identity.key)).get();
    if (raced) return { user: raced, created: false };
  }
  throw new AppError(409, 'CONFLICT', 'Could not give the new account a free owner name; try again');
}
