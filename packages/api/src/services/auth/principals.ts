import { API_SCOPES } from '@pixelflare/config';
import { users, type Database } from '@pixelflare/database';
import { eq } from 'drizzle-orm';
import type { Principal } from '../../lib/types';

type UserRow = typeof users.$inferSelect;

/** A signed-in person acts with every scope of their own account; `admin` only if they are an administrator. */
export function userPrincipal(user: UserRow, via: Principal['via']): Principal {
  return {
    userId: user.id,
    ownerSlug: user.slug,
    isAdmin: user.isAdmin,
    via,
    plan: user.plan,
    scopes: new Set(user.isAdmin ? API_SCOPES : API_SCOPES.filter((scope) => scope !== 'admin')),
  };
}

export async function principalForUserId(db: Database, userId: string, via: Principal['via']) {
  const user = await db.select().from(users).where(eq(users.id, userId)).get();
  return user && !user.disabledAt ? userPrincipal(user, via) : null;
}

export async function principalForSlug(db: Database, slug: string, via: Principal['via']) {
  const user = await db.select().from(users).where(eq(users.slug, slug)).get();
  return user && !user.disabledAt ? userPrincipal(user, via) : null;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** `AUTH_MODE=none` is for a developer's own machine: never in production, never on a non-loopback host. */
export function isLocalDevelopment(environment: string, url: string): boolean {
  const host = new URL(url).hostname;
  return environment !== 'production' && (LOOPBACK_HOSTS.has(host) || host.endsWith('.localhost'));
}
