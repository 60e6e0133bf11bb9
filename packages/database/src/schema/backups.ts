import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { bool, createdAt, timestamp, updatedAt } from './columns';
import { users } from './users';

/**
 * Per-user S3-compatible backup destination. The access key id and secret are one AES-GCM blob
 * (`credentials_encrypted`, sealed with BACKUP_ENCRYPTION_KEY); only the secret's last four characters are kept
 * in clear, to show which secret is stored.
 */
export const backupConfigs = sqliteTable('backup_configs', {
  ownerId: text('owner_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  endpoint: text('endpoint').notNull(),
  region: text('region').notNull().default('auto'),
  bucket: text('bucket').notNull(),
  prefix: text('prefix').notNull().default(''),
  credentialsEncrypted: text('credentials_encrypted').notNull(),
  isEnabled: bool('is_enabled').notNull().default(true),
  lastSyncAt: timestamp('last_sync_at'),
  lastError: text('last_error'),
  syncedCount: integer('synced_count').notNull().default(0),
  failedCount: integer('failed_count').notNull().default(0),
  /** `https://endpoint/bucket/key` when true; `https://bucket.endpoint/key` (virtual-hosted) when false. */
  pathStyle: bool('path_style').notNull().default(true),
  /** When an image is purged: keep its backup (`keep`, the default) or delete it too (`delete`). */
  onPurge: text('on_purge').$type<'keep' | 'delete'>().notNull().default('keep'),
  /** Bring your own storage: originals live only in this bucket, renditions stay in R2. Off by default. */
  byos: bool('byos').notNull().default(false),
  accessKeyId: text('access_key_id').notNull().default(''),
  secretLastFour: text('secret_last_four').notNull().default(''),
  lastErrorAt: timestamp('last_error_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
