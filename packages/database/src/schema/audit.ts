import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt, json } from './columns';

export type AuditOutcome = 'success' | 'failure';

/** One row per mutating action or auth event. Kept for `AUDIT_RETENTION_DAYS`. */
export const auditLogs = sqliteTable(
  'audit_logs',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id'),
    /** `user:<id>`, `key:<id>`, `system` or `anonymous`. */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    resourceType: text('resource_type'),
    resourceId: text('resource_id'),
    outcome: text('outcome').$type<AuditOutcome>().notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    metadata: json<Record<string, unknown>>('metadata'),
    createdAt: createdAt(),
  },
  (t) => [
    index('audit_logs_owner_created_idx').on(t.ownerId, t.createdAt, t.id),
    index('audit_logs_created_idx').on(t.createdAt),
    index('audit_logs_action_idx').on(t.ownerId, t.action),
  ],
);

/** Encryption-at-rest trail: key creation, rotation, token minting. */
export const cryptoEvents = sqliteTable(
  'crypto_events',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id').notNull(),
    event: text('event').notNull(),
    keyVersion: text('key_version'),
    imageId: text('image_id'),
    metadata: json<Record<string, unknown>>('metadata'),
    createdAt: createdAt(),
  },
  (t) => [index('crypto_events_owner_idx').on(t.ownerId, t.createdAt)],
);
