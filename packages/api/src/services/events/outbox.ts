import type { WebhookEvent } from '@pixelflare/config';
import { outboxEvents, type Database } from '@pixelflare/database';
import type { WebhookEnvelope, WebhookEventData } from '@pixelflare/shared';
import type { SQL } from 'drizzle-orm';
import { newId } from '../../lib/ids';
import { insertWhen } from '../../lib/sql';

type OutboxRow = typeof outboxEvents.$inferSelect;

/**
 * Builds the outbox insert for an event, to run in the same `db.batch([...])` as the change that caused it:
 * D1 commits a batch atomically, so the change and its event are written together or not at all.
 * `data` is the resource as the API returns it after the change (typed per event), so receivers need no
 * follow-up GET. The webhooks work dispatches pending outbox rows to the webhooks queue.
 */
export function outboxInsert<T extends WebhookEvent>(
  db: Database,
  ownerId: string,
  type: T,
  data: WebhookEventData<T>,
) {
  return db.insert(outboxEvents).values({ id: newId('evt'), ownerId, type, payload: data });
}

/**
 * Like `outboxInsert`, but the event is written only if `condition` holds when the statement runs (an
 * insert-select with no FROM). In a batch it sees the batch's earlier statements, so an event can depend on
 * a row that a concurrent request may already have removed.
 */
export function outboxInsertWhen<T extends WebhookEvent>(
  db: Database,
  condition: SQL,
  ownerId: string,
  type: T,
  data: WebhookEventData<T>,
) {
  const row = { id: newId('evt'), ownerId, type, payload: data, createdAt: new Date(), dispatchedAt: null };
  return insertWhen(db, outboxEvents, row, condition);
}

/** The body sent for an outbox event, by the dispatcher and on redelivery alike. `owner` is the user id. */
export function eventEnvelope(row: OutboxRow): WebhookEnvelope {
  return {
    id: row.id,
    type: row.type,
    created_at: row.createdAt.toISOString(),
    owner: row.ownerId,
    data: row.payload,
  };
}
