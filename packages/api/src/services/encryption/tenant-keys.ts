import { tenantEncryption, tenantKeys, users, type Database } from '@pixelflare/database';
import { keyFingerprint, KeyError, newKeyBytes, unwrapTmk, wrapTmk } from '@pixelflare/shared';
import { and, eq, sql } from 'drizzle-orm';
import type { EnvVars } from '../../lib/env';
import { AppError, notFound } from '../../lib/errors';
import { isUniqueViolation } from '../../lib/sql';
import { cryptoEventInsert, recordCryptoEvent } from './events';
import { rootKeyOf } from './root-key';

export interface EncryptionDeps {
  db: Database;
  config: Pick<EnvVars, 'ENCRYPTION_ROOT_KEY'>;
}

export interface EncryptionState {
  enabled: boolean;
  encryptByDefault: boolean;
  currentVersion: number;
  enabledAt: Date | null;
  versions: { version: number; fingerprint: string; createdAt: Date }[];
  rewrap: { targetVersion: number; done: number } | null;
}

export async function encryptionStateOf(db: Database, ownerId: string): Promise<EncryptionState> {
  const [[owner], [settings], versions] = await Promise.all([
    db.select({ version: users.encryptionKeyVersion }).from(users).where(eq(users.id, ownerId)).limit(1),
    db.select().from(tenantEncryption).where(eq(tenantEncryption.ownerId, ownerId)).limit(1),
    db
      .select({
        version: tenantKeys.version,
        fingerprint: tenantKeys.fingerprint,
        createdAt: tenantKeys.createdAt,
      })
      .from(tenantKeys)
      .where(eq(tenantKeys.ownerId, ownerId))
      .orderBy(tenantKeys.version),
  ]);
  if (!owner) throw notFound('User');
  return {
    enabled: owner.version > 0,
    encryptByDefault: settings?.encryptByDefault ?? false,
    currentVersion: owner.version,
    enabledAt: settings?.enabledAt ?? null,
    versions,
    rewrap:
      settings?.rewrapTarget != null
        ? { targetVersion: settings.rewrapTarget, done: settings.rewrapDone }
        : null,
  };
}

/** Writes TMK `version` for the owner: new key bytes, wrapped by the root key; returned as D1 statements. */
async function newTmkStatements(deps: EncryptionDeps, ownerId: string, version: number) {
  const root = await rootKeyOf(deps.config);
  const tmk = newKeyBytes();
  const wrappedKey = await wrapTmk(root.bytes, tmk, ownerId, version);
  const fingerprint = await keyFingerprint(tmk);
  return [
    deps.db.insert(tenantKeys).values({ ownerId, version, wrappedKey, rootKeyId: root.id, fingerprint }),
    // Guarded by the previous version, so two concurrent rotations cannot both succeed.
    deps.db
      .update(users)
      .set({ encryptionKeyVersion: version })
      .where(and(eq(users.id, ownerId), eq(users.encryptionKeyVersion, version - 1))),
  ] as const;
}

/** Turns encryption on: TMK v1 and the settings row, once. Enabling again only changes the default. */
export async function enableEncryption(
  deps: EncryptionDeps,
  ownerId: string,
  options: { encryptByDefault?: boolean },
): Promise<EncryptionState> {
  const state = await encryptionStateOf(deps.db, ownerId);
  if (state.enabled) {
    if (options.encryptByDefault !== undefined)
      await setEncryptByDefault(deps, ownerId, options.encryptByDefault);
    return encryptionStateOf(deps.db, ownerId);
  }
  const [insertKey, setVersion] = await newTmkStatements(deps, ownerId, 1);
  const now = new Date();
  try {
    await deps.db.batch([
      insertKey,
      setVersion,
      deps.db
        .insert(tenantEncryption)
        .values({ ownerId, encryptByDefault: options.encryptByDefault ?? false, enabledAt: now })
        .onConflictDoNothing(),
      cryptoEventInsert(deps.db, { ownerId, event: 'encryption.enabled', keyVersion: 1 }),
    ]);
  } catch (error) {
    // Enabled at the same moment by another request: theirs stands.
    if (!isUniqueViolation(error)) throw error;
  }
  return encryptionStateOf(deps.db, ownerId);
}

export async function setEncryptByDefault(
  deps: EncryptionDeps,
  ownerId: string,
  value: boolean,
): Promise<void> {
  const state = await encryptionStateOf(deps.db, ownerId);
  if (!state.enabled) throw encryptionOff();
  await deps.db.batch([
    deps.db
      .update(tenantEncryption)
      .set({ encryptByDefault: value })
      .where(eq(tenantEncryption.ownerId, ownerId)),
    cryptoEventInsert(deps.db, {
      ownerId,
      event: 'encryption.settings_changed',
      keyVersion: state.currentVersion,
      metadata: { encryptByDefault: value },
    }),
  ]);
}

export const encryptionOff = () =>
  new AppError(409, 'CONFLICT', 'Encryption is not turned on for this account (POST /v1/encryption/enable)');

/**
 * Makes the next TMK version current (new images use it) and marks the re-wrap of existing content keys as
 * pending; the caller queues the job. 409 while a re-wrap is still running.
 */
export async function rotateTenantKey(deps: EncryptionDeps, ownerId: string): Promise<EncryptionState> {
  const state = await encryptionStateOf(deps.db, ownerId);
  if (!state.enabled) throw encryptionOff();
  if (state.rewrap) {
    throw new AppError(
      409,
      'CONFLICT',
      `A rotation to v${state.rewrap.targetVersion} is still re-wrapping content keys; try again when it finishes`,
    );
  }
  const version = state.currentVersion + 1;
  const [insertKey, setVersion] = await newTmkStatements(deps, ownerId, version);
  try {
    await deps.db.batch([
      insertKey,
      setVersion,
      deps.db
        .update(tenantEncryption)
        .set({ rewrapTarget: version, rewrapCursor: null, rewrapDone: 0 })
        .where(eq(tenantEncryption.ownerId, ownerId)),
      cryptoEventInsert(deps.db, {
        ownerId,
        event: 'key.rotated',
        keyVersion: version,
        metadata: { previous: state.currentVersion },
      }),
    ]);
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AppError(409, 'CONFLICT', 'The key was rotated at the same moment');
    throw error;
  }
  return encryptionStateOf(deps.db, ownerId);
}

/** Unwrapped TMKs by owner, version and wrapped form (a re-wrapped row is a new entry), per isolate. */
const tmkCache = new Map<string, Uint8Array>();
const TMK_CACHE_LIMIT = 1000;

/** TMK `version` of the owner, unwrapped. A key that does not open is recorded and refused. */
export async function tenantKey(deps: EncryptionDeps, ownerId: string, version: number): Promise<Uint8Array> {
  const [row] = await deps.db
    .select({ wrappedKey: tenantKeys.wrappedKey })
    .from(tenantKeys)
    .where(and(eq(tenantKeys.ownerId, ownerId), eq(tenantKeys.version, version)))
    .limit(1);
  if (!row) {
    await recordCryptoEvent(deps.db, {
      ownerId,
      event: 'decrypt.failed',
      keyVersion: version,
      metadata: { reason: 'unknown key version' },
    });
    throw decryptionFailed(`No master key version ${version} exists for this account`);
  }
  const cacheKey = `${ownerId}|${version}|${row.wrappedKey}`;
  const cached = tmkCache.get(cacheKey);
  if (cached) return cached;
  const root = await rootKeyOf(deps.config);
  try {
    const tmk = await unwrapTmk(root.bytes, row.wrappedKey, ownerId, version);
    if (tmkCache.size >= TMK_CACHE_LIMIT) tmkCache.clear();
    tmkCache.set(cacheKey, tmk);
    return tmk;
  } catch (error) {
    if (!(error instanceof KeyError)) throw error;
    await recordCryptoEvent(deps.db, {
      ownerId,
      event: 'decrypt.failed',
      keyVersion: version,
      metadata: { reason: 'master key does not unwrap with the root key' },
    });
    throw decryptionFailed(`Master key v${version} does not unwrap with the configured ENCRYPTION_ROOT_KEY`);
  }
}

/** Every TMK of the owner (for the export), oldest first. */
export async function allTenantKeys(deps: EncryptionDeps, ownerId: string) {
  const rows = await deps.db
    .select({ version: tenantKeys.version, fingerprint: tenantKeys.fingerprint })
    .from(tenantKeys)
    .where(eq(tenantKeys.ownerId, ownerId))
    .orderBy(tenantKeys.version);
  const keys = [];
  for (const row of rows) keys.push({ ...row, tmk: await tenantKey(deps, ownerId, row.version) });
  return keys;
}

export const decryptionFailed = (message: string) =>
  new AppError(500, 'DECRYPTION_FAILED', message, undefined, { 'Cache-Control': 'no-store' });

/** Counts accounts with encryption on (for the status page and the startup check's message). */
export async function encryptedAccountCount(db: Database): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(DISTINCT ${tenantKeys.ownerId})` })
    .from(tenantKeys);
  return row?.count ?? 0;
}
