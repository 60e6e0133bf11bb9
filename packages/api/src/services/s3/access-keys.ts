import { API_KEY_LAST_USED_RESOLUTION_SECONDS, type ApiScope } from '@pixelflare/config';
import { s3AccessKeys, users, type Database, type User } from '@pixelflare/database';
import type { S3AccessKey } from '@pixelflare/shared';
import { eq } from 'drizzle-orm';
import { derivedAesKey, fromBase64Url, toBase64Url } from '../../lib/crypto';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { listOwned, revokeOwned } from '../../lib/owned';
import { expandScopes } from '../keys/api-key-secret';

type S3AccessKeyRow = typeof s3AccessKeys.$inferSelect;
export type S3KeyScope = 'read' | 'write';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** `PF` + 18 base32 characters: 20 like AWS's, recognisable, never a valid AWS key id. */
export const S3_ACCESS_KEY_ID_PATTERN = /^PF[A-Z2-7]{18}$/;

/** The scope an S3 key was given, read back from its stored scopes. */
export const scopeOf = (scopes: readonly ApiScope[]): S3KeyScope =>
  scopes.includes('images:write') ? 'write' : 'read';

export function toS3AccessKey(row: S3AccessKeyRow): S3AccessKey {
  return {
    id: row.id,
    name: row.name,
    access_key_id: row.accessKeyId,
    scope: scopeOf(row.scopes),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
  };
}

function newAccessKeyId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return `PF${[...bytes].map((byte) => BASE32[byte % 32]).join('')}`;
}

/** 40 characters, like AWS's secrets (30 random bytes, base64url). */
const newSecret = () => toBase64Url(crypto.getRandomValues(new Uint8Array(30)));

/** AES-256-GCM key derived from ENCRYPTION_KEY (or AUTH_SECRET), for S3 secrets only. */
const sealingKey = (material: string) => derivedAesKey(material, 'pixelflare s3 secret v1');

/** `<iv>.<ciphertext>` (base64url); the access key id is the additional data, so a copied blob does not open. */
export async function sealS3Secret(material: string, accessKeyId: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(accessKeyId) },
    await sealingKey(material),
    encoder.encode(secret),
  );
  return `${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

export async function openS3Secret(material: string, accessKeyId: string, sealed: string): Promise<string> {
  const [iv = '', data = ''] = sealed.split('.');
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64Url(iv), additionalData: encoder.encode(accessKeyId) },
    await sealingKey(material),
    fromBase64Url(data),
  );
  return decoder.decode(plain);
}

export interface CreateS3KeyInput {
  ownerId: string;
  /** Scopes of the caller: a key may not grant anything beyond them. */
  grantorScopes: ReadonlySet<ApiScope>;
  name: string;
  scope: S3KeyScope;
}

/** Creates a key pair and returns it with its secret: the only time the secret leaves the server. */
export async function createS3AccessKey(
  db: Database,
  material: string,
  input: CreateS3KeyInput,
  now = new Date(),
): Promise<S3AccessKey & { secret_access_key: string }> {
  const scopes = [...expandScopes([input.scope])];
  const beyond = scopes.find((scope) => !input.grantorScopes.has(scope));
  if (beyond) {
    throw new AppError(
      403,
      'INSUFFICIENT_SCOPE',
      `You cannot grant the "${beyond}" scope: you do not have it`,
    );
  }
  const accessKeyId = newAccessKeyId();
  const secret = newSecret();
  const [row] = await db
    .insert(s3AccessKeys)
    .values({
      id: newId('s3k'),
      ownerId: input.ownerId,
      name: input.name,
      accessKeyId,
      secretSealed: await sealS3Secret(material, accessKeyId, secret),
      scopes,
      createdAt: now,
    })
    .returning();
  if (!row) throw new Error('S3 access key insert returned no row');
  return { ...toS3AccessKey(row), secret_access_key: secret };
}

export async function listS3AccessKeys(db: Database, ownerId: string): Promise<S3AccessKey[]> {
  return (await listOwned(db, s3AccessKeys, ownerId)).map(toS3AccessKey);
}

/** Revokes one of the owner's keys; another owner's key or an unknown id is a 404; twice is harmless. */
export const revokeS3AccessKey = (db: Database, ownerId: string, id: string, now = new Date()) =>
  revokeOwned(db, s3AccessKeys, ownerId, id, 'S3 access key', now);

export interface S3Caller {
  keyId: string;
  user: User;
  scopes: ReadonlySet<ApiScope>;
  secret: string;
  touchLastUsed: boolean;
}

/** The live key behind an access key id, with its secret opened; null when unknown, revoked or its owner disabled. */
export async function s3CallerOf(
  db: Database,
  material: string,
  accessKeyId: string,
  now = new Date(),
): Promise<S3Caller | null> {
  if (!S3_ACCESS_KEY_ID_PATTERN.test(accessKeyId)) return null;
  const row = await db
    .select({ key: s3AccessKeys, user: users })
    .from(s3AccessKeys)
    .innerJoin(users, eq(users.id, s3AccessKeys.ownerId))
    .where(eq(s3AccessKeys.accessKeyId, accessKeyId))
    .get();
  if (!row || row.key.revokedAt || row.user.disabledAt) return null;
  const lastUsed = row.key.lastUsedAt?.getTime() ?? 0;
  return {
    keyId: row.key.id,
    user: row.user,
    scopes: expandScopes(row.key.scopes),
    secret: await openS3Secret(material, accessKeyId, row.key.secretSealed),
    touchLastUsed: now.getTime() - lastUsed >= API_KEY_LAST_USED_RESOLUTION_SECONDS * 1000,
  };
}

export async function touchS3AccessKey(db: Database, keyId: string, now = new Date()): Promise<void> {
  await db.update(s3AccessKeys).set({ lastUsedAt: now }).where(eq(s3AccessKeys.id, keyId));
}
