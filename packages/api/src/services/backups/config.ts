import { BACKUPS } from '@pixelflare/config';
import { backupConfigs, images, type Database } from '@pixelflare/database';
import type { BackupConfig, BackupConfigInput } from '@pixelflare/shared';
import { and, eq, sql } from 'drizzle-orm';
import { badRequest, conflict, notFound } from '../../lib/errors';
import { dohResolver, nonPublicReason, resolvedNonPublicReason, type HostResolver } from '../webhooks/ssrf';
import { backupKeyOrThrow, openCredentials, sealCredentials } from './credentials';
import { S3Client, S3Error } from '@pixelflare/s3';

export type BackupConfigRow = typeof backupConfigs.$inferSelect;

/** What every backup service needs besides the database: the credentials key and the SSRF rule. */
export interface BackupSettings {
  /** BACKUP_ENCRYPTION_KEY (undefined: saving or using a configuration is a 503 naming it). */
  encryptionKey: string | undefined;
  /** The webhooks' rule: private, loopback and link-local endpoints only where this is on (local development). */
  allowPrivateTargets: boolean;
  /** Resolves an endpoint's name before each connection when private targets are refused (DNS over HTTPS). */
  resolveHost?: HostResolver;
  /** Per-request timeout; tests shorten it. */
  timeoutMs?: number;
}

/** Refuses endpoints that are not public addresses, as webhooks do (a local S3 server only where allowed). */
export function assertEndpointAllowed(endpoint: string, allowPrivate: boolean): void {
  const url = new URL(endpoint);
  if (url.username || url.password) throw badRequest('The endpoint must not contain credentials');
  if (url.search || url.hash) throw badRequest('The endpoint must not have a query or fragment');
  if (allowPrivate) return;
  const reason = nonPublicReason(url.hostname);
  if (reason) {
    throw badRequest(
      `The endpoint points to a ${reason} address (${url.hostname}); only public addresses are allowed`,
    );
  }
}

export function toBackupConfig(row: BackupConfigRow): BackupConfig {
  return {
    endpoint: row.endpoint,
    region: row.region,
    bucket: row.bucket,
    prefix: row.prefix,
    access_key_id: row.accessKeyId,
    secret_last_four: row.secretLastFour,
    path_style: row.pathStyle,
    enabled: row.isEnabled,
    on_purge: row.onPurge,
    byos: row.byos,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export async function findBackupConfig(db: Database, ownerId: string): Promise<BackupConfigRow | null> {
  const [row] = await db.select().from(backupConfigs).where(eq(backupConfigs.ownerId, ownerId)).limit(1);
  return row ?? null;
}

export async function requireBackupConfig(db: Database, ownerId: string): Promise<BackupConfigRow> {
  const row = await findBackupConfig(db, ownerId);
  if (!row) throw notFound('Backup configuration');
  return row;
}

/** Creates or replaces the owner's destination. The secret is sealed; only its last four characters stay clear. */
export async function saveBackupConfig(
  db: Database,
  settings: BackupSettings,
  ownerId: string,
  input: BackupConfigInput,
): Promise<BackupConfigRow> {
  const key = backupKeyOrThrow(settings.encryptionKey);
  assertEndpointAllowed(input.endpoint, settings.allowPrivateTargets);
  // Originals move to the bucket in the backups job, so bring your own storage needs backups on.
  if (input.byos && !input.enabled) {
    throw badRequest('Bring your own storage (byos) needs enabled: true', [
      { path: 'byos', message: 'needs enabled: true' },
    ]);
  }
  const endpoint = input.endpoint.replace(/\/+$/, '');
  const existing = await findBackupConfig(db, ownerId);
  if (existing) {
    const inBucket = await originalsInBucket(db, ownerId);
    const moved =
      existing.endpoint !== endpoint ||
      existing.bucket !== input.bucket ||
      existing.prefix !== input.prefix ||
      existing.region !== input.region ||
      existing.pathStyle !== input.path_style;
    // Those originals are read from this exact place: pointing elsewhere (or stopping the job that brings them
    // back) would leave images with no original anywhere Pixelflare looks.
    if (inBucket > 0 && (moved || !input.enabled)) {
      throw conflict(
        `${inBucket} original(s) live only in this bucket (bring your own storage); to change the bucket, endpoint, prefix, region or addressing, or to disable backups, turn byos off first and wait until they are back (GET /v1/backup/status: originals_in_bucket 0)`,
      );
    }
  }
  const credentialsEncrypted = await sealCredentials(key, ownerId, {
    accessKeyId: input.access_key_id,
    secretAccessKey: input.secret_access_key,
  });
  const now = new Date();
  const values = {
    endpoint,
    region: input.region,
    bucket: input.bucket,
    prefix: input.prefix,
    credentialsEncrypted,
    accessKeyId: input.access_key_id,
    secretLastFour: input.secret_access_key.slice(-4),
    pathStyle: input.path_style,
    isEnabled: input.enabled,
    onPurge: input.on_purge,
    byos: input.byos,
    updatedAt: now,
  };
  const [row] = await db
    .insert(backupConfigs)
    .values({ ownerId, ...values, createdAt: now })
    .onConflictDoUpdate({ target: backupConfigs.ownerId, set: values })
    .returning();
  return row!;
}

/** How many of the owner's originals live only in their bucket (bring your own storage), trashed ones too. */
export async function originalsInBucket(db: Database, ownerId: string): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)` })
    .from(images)
    .where(and(eq(images.ownerId, ownerId), eq(images.originalIn, 'byos')));
  return Number(row?.count ?? 0);
}

export async function deleteBackupConfig(db: Database, ownerId: string): Promise<void> {
  const inBucket = await originalsInBucket(db, ownerId);
  if (inBucket > 0) {
    throw conflict(
      `${inBucket} original(s) live only in this bucket (bring your own storage); turn byos off and wait until they are back before removing it`,
    );
  }
  const deleted = await db
    .delete(backupConfigs)
    .where(eq(backupConfigs.ownerId, ownerId))
    .returning({ ownerId: backupConfigs.ownerId });
  if (deleted.length === 0) throw notFound('Backup configuration');
}

/**
 * A client for the owner's bucket, after the SSRF rule: the endpoint's literal address is checked when saved, and
 * its name is resolved again here (it may point somewhere else since). A refused endpoint is an S3Error with no
 * status, as an unreachable one is, so every caller reports it the same way.
 */
export async function clientFor(settings: BackupSettings, row: BackupConfigRow): Promise<S3Client> {
  const key = backupKeyOrThrow(settings.encryptionKey);
  if (!settings.allowPrivateTargets) {
    const hostname = new URL(row.endpoint).hostname;
    const reason = await resolvedNonPublicReason(hostname, settings.resolveHost ?? dohResolver()).catch(
      (error: unknown) => `unresolvable name (${error instanceof Error ? error.message : String(error)})`,
    );
    if (reason) throw new S3Error(null, 'EndpointRefused', `the endpoint is a ${reason}`);
  }
  const credentials = await openCredentials(key, row.ownerId, row.credentialsEncrypted);
  return new S3Client(
    {
      endpoint: row.endpoint,
      region: row.region,
      bucket: row.bucket,
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      pathStyle: row.pathStyle,
    },
    settings.timeoutMs ?? BACKUPS.requestTimeoutMs,
  );
}
