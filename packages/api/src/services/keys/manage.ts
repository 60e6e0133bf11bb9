import type { ApiScope } from '@pixelflare/config';
import { apiKeys, type Database } from '@pixelflare/database';
import type { ApiKey } from '@pixelflare/shared';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { listOwned, revokeOwned } from '../../lib/owned';
import { expandScopes, generateApiKey, hashApiKey } from './api-key-secret';

type ApiKeyRow = typeof apiKeys.$inferSelect;

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    expires_at: row.expiresAt?.toISOString() ?? null,
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
  };
}

export interface CreateKeyInput {
  ownerId: string;
  /** Scopes of the caller: a new key may not grant anything beyond them. */
  grantorScopes: ReadonlySet<ApiScope>;
  name: string;
  scopes: readonly string[];
  expiresAt?: Date;
}

/** Creates a key and returns it with its secret, the only time the secret exists outside the caller's hands. */
export async function createApiKey(
  db: Database,
  hashSecret: string,
  input: CreateKeyInput,
  now = new Date(),
): Promise<ApiKey & { key: string }> {
  const scopes = [...expandScopes(input.scopes)];
  const beyond = scopes.find((scope) => !input.grantorScopes.has(scope));
  if (beyond) {
    throw new AppError(
      403,
      'INSUFFICIENT_SCOPE',
      `You cannot grant the "${beyond}" scope: you do not have it`,
    );
  }
  if (input.expiresAt && input.expiresAt <= now) {
    throw new AppError(400, 'VALIDATION_FAILED', 'expires_at must be in the future');
  }
  const { key, prefix } = generateApiKey();
  const [row] = await db
    .insert(apiKeys)
    .values({
      id: newId('key'),
      ownerId: input.ownerId,
      name: input.name,
      prefix,
      keyHash: await hashApiKey(hashSecret, key),
      scopes,
      expiresAt: input.expiresAt ?? null,
      createdAt: now,
    })
    .returning();
  if (!row) throw new Error('API key insert returned no row');
  return { ...toApiKey(row), key };
}

export async function listApiKeys(db: Database, ownerId: string): Promise<ApiKey[]> {
  return (await listOwned(db, apiKeys, ownerId)).map(toApiKey);
}

/** Revokes one of the owner's keys. Another owner's key, or an unknown id, is a 404; revoking twice is harmless. */
export const revokeApiKey = (db: Database, ownerId: string, keyId: string, now = new Date()) =>
  revokeOwned(db, apiKeys, ownerId, keyId, 'API key', now);
