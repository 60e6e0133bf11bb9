import type { WebhookEvent } from '@pixelflare/config';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { bool, createdAt, json, timestamp, updatedAt } from './columns';
import { users } from './users';

export const webhooks = sqliteTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    description: text('description'),
    /** Empty means every event. */
    events: json<WebhookEvent[]>('events').notNull(),
    isActive: bool('is_active').notNull().default(true),
    /** Signing secret, encrypted at rest (AES-GCM). */
    secretEncrypted: text('secret_encrypted').notNull(),
    /** The secret before the last rotation, valid until `previous_secret_expires_at`. */
    previousSecretEncrypted: text('previous_secret_encrypted'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at'),
    failingSince: timestamp('failing_since'),
    disabledReason: text('disabled_reason'),
    disabledAt: timestamp('disabled_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('webhooks_owner_idx').on(t.ownerId, t.createdAt)],
);

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'dead';
/** `automatic`: the queue's attempts (the retry budget); `manual`: redeliver and test pings. */
export type DeliveryTrigger = 'automatic' | 'manual';

export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    ownerId: text('owner_id').notNull(),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    /** Numbered per trigger: automatic attempts 1..maxAttempts, manual sends 1, 2, ... apart. */
    attempt: integer('attempt').notNull(),
    trigger: text('trigger').$type<DeliveryTrigger>().notNull().default('automatic'),
    status: text('status').$type<DeliveryStatus>().notNull(),
    responseStatus: integer('response_status'),
    responseSnippet: text('response_snippet'),
    error: text('error'),
    durationMs: integer('duration_ms'),
    createdAt: createdAt(),
  },
  (t) => [
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.createdAt),
    index('webhook_deliveries_event_idx').on(t.eventId),
    index('webhook_deliveries_created_idx').on(t.createdAt),
  ],
);

/**
 * Transactional outbox: every event is written in the same D1 batch as the change that caused it, and the
 * queue is fed from here, so a crash between the change and the enqueue loses nothing.
 */
export const outboxEvents = sqliteTable(
  'outbox_events',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id').notNull(),
    type: text('type').notNull(),
    payload: json<Record<string, unknown>>('payload').notNull(),
    createdAt: createdAt(),
    dispatchedAt: timestamp('dispatched_at'),
  },
  (t) => [index('outbox_events_pending_idx').on(t.dispatchedAt, t.createdAt)],
);
