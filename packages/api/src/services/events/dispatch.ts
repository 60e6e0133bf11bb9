import { outboxEvents, webhooks, type Database } from '@pixelflare/database';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { inList } from '../../lib/sql';
import { sendWebhookJobs, type WebhookJob } from '../../jobs/messages';
import { eventEnvelope } from './outbox';

/** Rows dispatched per call; the sweep runs again for the rest. */
const DISPATCH_LIMIT = 100;

/**
 * Feeds pending outbox rows (of one owner, or all) to the webhooks queue: one message per event and
 * subscribed active endpoint, the envelope `{ id, type, created_at, owner, data }`. Rows are marked only
 * after the enqueue, so a crash in between re-sends rather than loses; the consumer skips an event already
 * delivered to an endpoint, so a re-send never delivers twice.
 */
export async function dispatchOutbox(
  db: Database,
  queue: Queue<WebhookJob>,
  ownerId?: string,
  now = new Date(),
): Promise<{ events: number; messages: number }> {
  const pending = await db
    .select()
    .from(outboxEvents)
    .where(
      ownerId
        ? and(isNull(outboxEvents.dispatchedAt), eq(outboxEvents.ownerId, ownerId))
        : isNull(outboxEvents.dispatchedAt),
    )
    .orderBy(asc(outboxEvents.createdAt), asc(outboxEvents.id))
    .limit(DISPATCH_LIMIT);
  if (pending.length === 0) return { events: 0, messages: 0 };

  const owners = [...new Set(pending.map((row) => row.ownerId))];
  const hooks = await db
    .select({ id: webhooks.id, ownerId: webhooks.ownerId, events: webhooks.events })
    .from(webhooks)
    .where(and(inList(webhooks.ownerId, owners), eq(webhooks.isActive, true)));

  const jobs: WebhookJob[] = [];
  for (const row of pending) {
    for (const hook of hooks) {
      if (hook.ownerId !== row.ownerId) continue;
      if (hook.events.length > 0 && !hook.events.some((type) => type === row.type)) continue;
      jobs.push({
        webhookId: hook.id,
        event: eventEnvelope(row),
      });
    }
  }
  await sendWebhookJobs(queue, jobs);
  await db
    .update(outboxEvents)
    .set({ dispatchedAt: now })
    .where(
      inList(
        outboxEvents.id,
        pending.map((row) => row.id),
      ),
    );
  return { events: pending.length, messages: jobs.length };
}
