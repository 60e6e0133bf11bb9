import type { ApiScope } from '@pixelflare/config';
import { index, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { createdAt, json, timestamp } from './columns';
import { users } from './users';

/**
 * Access key pairs for the S3-compatible endpoint (`/s3`). SigV4 signs with the secret itself, so it cannot be
 * hashed: it is stored AES-256-GCM encrypted (`secret_sealed`, bound to the access key id), shown once at creation.
 */
export const s3AccessKeys = sqliteTable(
  's3_access_keys',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The public half (`PF` + 18 upper-case base32 characters), sent in clear in every signed request. */
    accessKeyId: text('access_key_id').notNull(),
    secretSealed: text('secret_sealed').notNull(),
    scopes: json<ApiScope[]>('scopes').notNull(),
    lastUsedAt: timestamp('last_used_at'),
    revokedAt: timestamp('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('s3_access_keys_access_key_id_unique').on(t.accessKeyId),
    index('s3_access_keys_owner_idx').on(t.ownerId, t.createdAt),
  ],
);
