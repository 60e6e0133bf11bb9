import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { createdAt, json, timestamp, updatedAt } from './columns';
import { users } from './users';

export type CustomDomainStatus = 'pending' | 'active' | 'blocked' | 'error';

export const customDomains = sqliteTable(
  'custom_domains',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    hostname: text('hostname').notNull(),
    status: text('status').$type<CustomDomainStatus>().notNull().default('pending'),
    cloudflareHostnameId: text('cloudflare_hostname_id'),
    dnsRecords: json<{ type: string; name: string; value: string }[]>('dns_records'),
    verificationAttempts: integer('verification_attempts').notNull().default(0),
    lastError: text('last_error'),
    verifiedAt: timestamp('verified_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('custom_domains_hostname_unique').on(t.hostname),
    index('custom_domains_owner_idx').on(t.ownerId),
  ],
);
