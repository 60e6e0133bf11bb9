import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { bool, createdAt, timestamp, updatedAt } from './columns';
import { users } from './users';

/** Per-user S3-compatible backup destination. Credentials are encrypted at rest. */
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
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
