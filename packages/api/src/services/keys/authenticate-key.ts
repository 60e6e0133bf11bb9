import { API_KEY_LAST_USED_RESOLUTION_SECONDS } from '@pixelflare/config';
import { apiKeys, users, type Database } from '@pixelflare/database';
import { eq } from 'drizzle-orm';
import type { Principal } from '../../lib/types';
import { API_KEY_PATTERN, expandScopes, hashApiKey } from './api-key-secret';

export type KeyAuthResult =
  | { ok: true; principal: Principal; touchLastUsed: boolean }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' | 'user_disabled' };

/** Resolves a bearer key to its owner and scopes. Malformed keys never reach the database. */
export async function authenticateApiKey(
  db: Database,
  hashSecret: string,
  key: string,
  now = new Date(),
): Promise<KeyAuthResult> {
  if (!API_KEY_PATTERN.test(key)) return { ok: false, reason: 'malformed' };
  const keyHash = await hashApiKey(hashSecret, key);
  const row = await db
    .select({ key: apiKeys, user: users })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.ownerId))
    .where(eq(apiKeys.keyHash, keyHash))
    .get();
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.key.revokedAt) return { ok: false, reason: 'revoked' };
  if (row.key.expiresAt && row.key.expiresAt <= now) return { ok: false, reason: 'expired' };
  if (row.user.disabledAt) return { ok: false, reason: 'user_disabled' };
  const lastUsed = row.key.lastUsedAt?.getTime() ?? 0;
  return {
    ok: true,
    touchLastUsed: now.getTime() - lastUsed >= API_KEY_LAST_USED_RESOLUTION_SECONDS * 1000,
    principal: {
      userId: row.user.id,
      ownerSlug: row.user.slug,
      isAdmin: row.user.isAdmin,
      via: 'api_key',
      keyId: row.key.id,
      scopes: expandScopes(row.key.scopes),
      plan: row.user.plan,
    },
  };
}

export async function touchApiKey(db: Database, keyId: string, now = new Date()): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, keyId));
}
