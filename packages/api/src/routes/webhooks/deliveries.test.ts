import { WEBHOOK_DELIVERY } from '@pixelflare/config';
import { createDb, outboxEvents, webhookDeliveries } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { authed, call, createUser, errorOf } from '../../../test/helpers';
import { consumeWebhookJobs, loopbackWebhook, receivedBy } from '../../../test/webhook-receiver';
import { albumResourceFixture } from '../../../test/fixtures/event-data';
import { eventEnvelope, outboxInsert } from '../../services/events/outbox';
import { deliverWebhook } from '../../services/webhooks/deliver';
import { redeliver, sendTestPing } from '../../services/webhooks/deliveries';

const settings = {
  encryptionKey: (env as unknown as { ENCRYPTION_KEY: string }).ENCRYPTION_KEY,
  allowPrivateTargets: true,
};

describe('webhook deliveries, redeliver and test ping', () => {
  it('pings, lists the attempt, and redelivers a stored event signed the same way', async () => {
    const { owner, hook } = await loopbackWebhook('pinged');
    const ping = await sendTestPing(createDb(env.DB), settings, owner.id, hook.id);
    expect(ping).toMatchObject({ event_type: 'ping', status: 'succeeded', response_status: 200 });

    const db = createDb(env.DB);
    await outboxInsert(db, owner.id, 'album.created', albumResourceFixture('alb_1'));
    const listed = (await (await call(`/v1/webhooks/${hook.id}/deliveries`, authed(owner.key))).json()) as {
      data: { id: string; event_type: string; response_snippet: string }[];
    };
    expect(listed.data.map((d) => d.event_type)).toEqual(['ping']);
    expect(listed.data[0]!.response_snippet).toBe('ok');

    // Redelivering the ping: its event is not in the outbox, so it is refused with a reason.
    const again = await call(
      `/v1/webhooks/${hook.id}/deliveries/${ping.id}/redeliver`,
      authed(owner.key, { method: 'POST' }),
    );
    expect(again.status).toBe(409);
    expect((await errorOf(again)).message).toContain('no longer kept');

    const seen = await receivedBy('pinged');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ verified: true, payload: { type: 'ping', owner: owner.id } });

    // A real event, delivered once, can be sent again on request (a new, verified attempt).
    const [evt] = await db.select().from(outboxEvents).where(eq(outboxEvents.ownerId, owner.id));
    const first = await deliverWebhook(db, settings, { webhookId: hook.id, event: eventEnvelope(evt!) });
    expect(first.kind).toBe('delivered');
    const resent = await redeliver(
      db,
      settings,
      owner.id,
      hook.id,
      (first as { deliveryId: string }).deliveryId,
    );
    expect(resent).toMatchObject({ event_id: evt!.id, trigger: 'manual', attempt: 1, status: 'succeeded' });
    const after = await receivedBy('pinged');
    expect(after.filter((d) => d.webhookId === evt!.id && d.verified)).toHaveLength(2);
  });

  it('logs manual redeliveries without using up the automatic attempts', async () => {
    const { owner, hook } = await loopbackWebhook('budget', -1);
    const db = createDb(env.DB);
    await outboxInsert(db, owner.id, 'album.created', albumResourceFixture('alb_budget'));
    const [evt] = await db.select().from(outboxEvents).where(eq(outboxEvents.ownerId, owner.id));
    const job = { webhookId: hook.id, event: eventEnvelope(evt!) };
    expect((await consumeWebhookJobs([job], 1)).retryMessages).toHaveLength(1);
    const [first] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hook.id));

    // Someone resends by hand more often than the whole automatic budget while the endpoint is still down.
    for (let i = 0; i < WEBHOOK_DELIVERY.maxAttempts; i++) {
      expect(await redeliver(db, settings, owner.id, hook.id, first!.id)).toMatchObject({
        trigger: 'manual',
        attempt: i + 1,
        status: 'failed',
      });
    }
    // The queue still has every automatic attempt left: 2 to the last, which dead-letters the message.
    for (let attempt = 2; attempt <= WEBHOOK_DELIVERY.maxAttempts; attempt++) {
      expect((await consumeWebhookJobs([job], attempt)).retryMessages).toHaveLength(1);
    }

    const log = await db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.webhookId, hook.id))
      .orderBy(asc(webhookDeliveries.attempt));
    const byTrigger = (trigger: string) =>
      log.filter((row) => row.trigger === trigger).map((row) => [row.attempt, row.status]);
    const numbered = (last: string) =>
      Array.from({ length: WEBHOOK_DELIVERY.maxAttempts }, (_, i) => [
        i + 1,
        i + 1 === WEBHOOK_DELIVERY.maxAttempts ? last : 'failed',
      ]);
    expect(byTrigger('automatic')).toEqual(numbered('dead'));
    expect(byTrigger('manual')).toEqual(numbered('failed'));
    // Every attempt, manual or not, reached the receiver and is in the delivery log the API lists.
    expect(await receivedBy('budget')).toHaveLength(2 * WEBHOOK_DELIVERY.maxAttempts);
    const listed = (await (await call(`/v1/webhooks/${hook.id}/deliveries`, authed(owner.key))).json()) as {
      data: { trigger: string }[];
    };
    expect(listed.data.filter((d) => d.trigger === 'manual')).toHaveLength(WEBHOOK_DELIVERY.maxAttempts);
    expect(listed.data).toHaveLength(2 * WEBHOOK_DELIVERY.maxAttempts);
  });

  it('through the API a loopback target is refused at send time and the refusal is logged', async () => {
    const { owner, hook } = await loopbackWebhook('guarded');
    const response = await call(`/v1/webhooks/${hook.id}/test`, authed(owner.key, { method: 'POST' }));
    expect(response.status).toBe(200);
    const attempt = (await response.json()) as {
      status: string;
      error: string;
      response_status: number | null;
    };
    expect(attempt).toMatchObject({ status: 'failed', response_status: null });
    expect(attempt.error).toContain('loopback');
    expect(await receivedBy('guarded')).toHaveLength(0);
  });

  it('hides another tenant’s deliveries', async () => {
    const { hook } = await loopbackWebhook('private-log');
    const other = await createUser('snoop');
    expect((await call(`/v1/webhooks/${hook.id}/deliveries`, authed(other.key))).status).toBe(404);
    expect((await call(`/v1/webhooks/${hook.id}/test`, authed(other.key, { method: 'POST' }))).status).toBe(
      404,
    );
  });
});
