import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { bool, createdAt, json, timestamp } from './columns';
import { users } from './users';

/**
 * A WebAuthn credential (passkey) a user registered in Settings. The public key is what the authenticator gave
 * at registration (COSE, base64url); nothing here lets anyone sign in without the authenticator itself.
 */
export const passkeys = sqliteTable(
  'passkeys',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The credential id the authenticator chose, base64url: unique across the instance. */
    credentialId: text('credential_id').notNull(),
    /** COSE public key, base64url. */
    publicKey: text('public_key').notNull(),
    /** The signature counter last seen; a lower one later means a cloned authenticator. */
    counter: integer('counter').notNull().default(0),
    transports: json<string[]>('transports')
      .notNull()
      .$defaultFn(() => []),
    /** `singleDevice` or `multiDevice` (synced passkeys). */
    deviceType: text('device_type').notNull(),
    backedUp: bool('backed_up').notNull().default(false),
    name: text('name').notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at'),
  },
  (t) => [
    uniqueIndex('passkeys_credential_id_unique').on(t.credentialId),
    index('passkeys_owner_created_idx').on(t.ownerId, t.createdAt),
  ],
);

/**
 * A WebAuthn challenge handed out by an options endpoint: single-use (the verify step deletes it as it reads it)
 * and short-lived. Registration challenges belong to the signed-in user; sign-in challenges to nobody yet.
 */
export const passkeyChallenges = sqliteTable(
  'passkey_challenges',
  {
    id: text('id').primaryKey(),
    purpose: text('purpose', { enum: ['registration', 'authentication'] }).notNull(),
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    challenge: text('challenge').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('passkey_challenges_expires_idx').on(t.expiresAt)],
);
