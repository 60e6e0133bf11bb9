import type { CustomDomainState } from '@pixelflare/config';
import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { bool, createdAt, json, timestamp, updatedAt } from './columns';
import { users } from './users';

export type CustomDomainStatus = CustomDomainState;

/** A DNS record the owner must create, as Cloudflare returned it (name and value verbatim). */
export interface CustomDomainDnsRecord {
  type: 'CNAME' | 'TXT';
  name: string;
  value: string;
  purpose: 'routing' | 'ownership' | 'certificate';
}

/** One custom hostname per account, registered with Cloudflare for SaaS and verified by the domains queue. */
export const customDomains = sqliteTable(
  'custom_domains',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Lower-case ASCII (IDNA) form, as Host headers carry it. */
    hostname: text('hostname').notNull(),
    status: text('status').$type<CustomDomainStatus>().notNull().default('pending'),
    cloudflareHostnameId: text('cloudflare_hostname_id'),
    dnsRecords: json<CustomDomainDnsRecord[]>('dns_records'),
    /** Polls done in the current verification run; a poll message numbered n runs only when this is n - 1. */
    verificationAttempts: integer('verification_attempts').notNull().default(0),
    /** Cloudflare's reason for blocked, error and timed_out. */
    lastError: text('last_error'),
    /** Cloudflare's own hostname and certificate statuses, as last read. */
    cloudflareStatus: text('cloudflare_status'),
    sslStatus: text('ssl_status'),
    verifiedAt: timestamp('verified_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('custom_domains_hostname_unique').on(t.hostname),
    // One domain per account: the unique index settles two concurrent adds.
    uniqueIndex('custom_domains_owner_unique').on(t.ownerId),
  ],
);

/**
 * Hotlink protection: which sites may embed an account's CDN answers. No row means no protection. The owner's
 * custom domain and the product's own hosts are always allowed and never stored here.
 */
export const hotlinkPolicies = sqliteTable('hotlink_policies', {
  ownerId: text('owner_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  enabled: bool('enabled').notNull().default(false),
  /** Host names, or `*.host` for a host and its subdomains; lower-case ASCII. */
  allowedReferrers: json<string[]>('allowed_referrers').notNull(),
  allowEmptyReferrer: bool('allow_empty_referrer').notNull().default(true),
  updatedAt: updatedAt(),
});
