import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { timestamp } from './columns';

/** Auth.js adapter tables (names and columns follow @auth/drizzle-adapter's SQLite shape). */
export const authjsUsers = sqliteTable('authjs_users', {
  id: text('id').primaryKey(),
  name: text('name'),
  email: text('email').unique(),
  emailVerified: timestamp('email_verified'),
  image: text('image'),
});

export const authjsAccounts = sqliteTable(
  'authjs_accounts',
  {
    userId: text('user_id')
      .notNull()
      .references(() => authjsUsers.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    provider: text('provider').notNull(),
    providerAccountId: text('provider_account_id').notNull(),
    refreshToken: text('refresh_token'),
    accessToken: text('access_token'),
    expiresAt: integer('expires_at'),
    tokenType: text('token_type'),
    scope: text('scope'),
    idToken: text('id_token'),
    sessionState: text('session_state'),
  },
  (t) => [primaryKey({ columns: [t.provider, t.providerAccountId] })],
);

export const authjsSessions = sqliteTable('authjs_sessions', {
  sessionToken: text('session_token').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => authjsUsers.id, { onDelete: 'cascade' }),
  expires: timestamp('expires').notNull(),
});

export const authjsVerificationTokens = sqliteTable(
  'authjs_verification_tokens',
  {
    identifier: text('identifier').notNull(),
    token: text('token').notNull(),
    expires: timestamp('expires').notNull(),
  },
  (t) => [primaryKey({ columns: [t.identifier, t.token] })],
);
