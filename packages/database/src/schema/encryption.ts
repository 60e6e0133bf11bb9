import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { bool, createdAt, timestamp, updatedAt } from './columns';
import { users } from './users';

/**
 * Tenant master keys (encryption at rest), one row per account and version, each wrapped by the root key
 * (`ENCRYPTION_ROOT_KEY`) with the owner and version as associated data. Old versions are kept: images keep the
 * version their content key was wrapped under until the rotation job re-wraps them. `users.encryption_key_version`
 * names the current one.
 */
export const tenantKeys = sqliteTable(
  'tenant_keys',
  {
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    wrappedKey: text('wrapped_key').notNull(),
    /** Fingerprint of the root key that wrapped it, so a root-key rotation knows what is left to re-wrap. */
    rootKeyId: text('root_key_id').notNull(),
    /** Public fingerprint of the TMK itself (shown in the dashboard and the key bundle). */
    fingerprint: text('fingerprint').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.version] })],
);

/** An account's encryption settings and the progress of its content-key re-wrap after a rotation. */
export const tenantEncryption = sqliteTable('tenant_encryption', {
  ownerId: text('owner_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  /** Uploads are encrypted unless they say `encrypt: false`. */
  encryptByDefault: bool('encrypt_by_default').notNull().default(false),
  /** Set while content keys are being re-wrapped to this TMK version; null when none is running. */
  rewrapTarget: integer('rewrap_target'),
  /** The last image id re-wrapped, so the job resumes where it stopped. */
  rewrapCursor: text('rewrap_cursor'),
  rewrapDone: integer('rewrap_done').notNull().default(0),
  enabledAt: timestamp('enabled_at').notNull(),
  updatedAt: updatedAt(),
});
