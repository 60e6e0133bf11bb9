import type { WebhookEvent } from '@pixelflare/config';
import { outboxEvents, type Database } from '@pixelflare/database';
import { newId } from '../../lib/ids';

/**
 * Builds the outbox insert for an event, to run in the same `db.batch([...])` as the change that caused it:
 * D1 commits a batch atomically, so the change and its event are written together or not at all.
 * The webhooks work dispatches pending outbox rows to the webhooks queue.
 */
export function outboxInsert(
  db: Database,
  ownerId: string,
  type: WebhookEvent,
  data: Record<string, unknown>,
) {
  return db.insert(outboxEvents).values({ id: newId('evt'), ownerId, type, payload: data });
}
