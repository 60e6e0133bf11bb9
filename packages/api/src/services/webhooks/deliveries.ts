import { outboxEvents, webhookDeliveries, type Database } from '@pixelflare/database';
import type { WebhookDelivery } from '@pixelflare/shared';
import { and, desc, eq } from 'drizzle-orm';
import { AppError, notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { eventEnvelope } from '../events/outbox';
import { deliverWebhook } from './deliver';
import { findWebhook, type WebhookSettings } from './manage';

/** Attempts shown per endpoint, newest first. */
const DELIVERY_PAGE = 100;

type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    event_id: row.eventId,
    event_type: row.eventType,
    attempt: row.attempt,
    trigger: row.trigger,
    status: row.status,
    response_status: row.responseStatus,
    response_snippet: row.responseSnippet,
    error: row.error,
    duration_ms: row.durationMs,
    created_at: row.createdAt.toISOString(),
  };
}

export async function listDeliveries(
  db: Database,
  ownerId: string,
  webhookId: string,
): Promise<WebhookDelivery[]> {
  await findWebhook(db, ownerId, webhookId);
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.ownerId, ownerId)))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(DELIVERY_PAGE);
  return rows.map(toDelivery);
}

async function deliveryById(db: Database, id: string): Promise<WebhookDelivery> {
  const [row] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
  if (!row) throw notFound('Delivery');
  return toDelivery(row);
}

/** Sends an earlier delivery's event again, now, and returns the new attempt. */
export async function redeliver(
  db: Database,
  settings: WebhookSettings,
  ownerId: string,
  webhookId: string,
  deliveryId: string,
): Promise<WebhookDelivery> {
  await findWebhook(db, ownerId, webhookId);
  const [delivery] = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.id, deliveryId),
        eq(webhookDeliveries.webhookId, webhookId),
        eq(webhookDeliveries.ownerId, ownerId),
      ),
    );
  if (!delivery) throw notFound('Delivery');
  const [event] = await db
    .select()
    .from(outboxEvents)
    .where(and(eq(outboxEvents.id, delivery.eventId), eq(outboxEvents.ownerId, ownerId)));
  if (!event) {
    throw new AppError(409, 'CONFLICT', 'This event is no longer kept, so it cannot be sent again');
  }
  const outcome = await deliverWebhook(
    db,
    settings,
    {
      webhookId,
      event: eventEnvelope(event),
    },
    new Date(),
    { manual: true },
  );
  if (outcome.kind === 'skipped') throw notFound('Webhook');
  return deliveryById(db, outcome.deliveryId);
}

/** Sends a `ping` event to the endpoint now (even while inactive) and returns the attempt. */
export async function sendTestPing(
  db: Database,
  settings: WebhookSettings,
  ownerId: string,
  webhookId: string,
): Promise<WebhookDelivery> {
  await findWebhook(db, ownerId, webhookId);
  const outcome = await deliverWebhook(
    db,
    settings,
    {
      webhookId,
      event: {
        id: newId('evt'),
        type: 'ping',
        created_at: new Date().toISOString(),
        owner: ownerId,
        data: { webhook_id: webhookId },
      },
    },
    new Date(),
    { manual: true },
  );
  if (outcome.kind === 'skipped') throw notFound('Webhook');
  return deliveryById(db, outcome.deliveryId);
}
