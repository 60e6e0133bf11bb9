import { createDb, outboxEvents, webhooks } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { authed, call, createUser, errorOf } from '../../../test/helpers';
import type { ReceivedDelivery } from '../../../test/global-setup-webhooks';
import { outboxInsert } from '../../services/events/outbox';
import { deliverWebhook } from '../../services/webhooks/deliver';
import { redeliver, sendTestPing } from '../../services/webhooks/deliveries';

const receiver = `http://127.0.0.1:${inject('webhookReceiverPort')}`;
const settings = {
  encryptionKey: (env as unknown as { ENCRYPTION_KEY: string }).ENCRYPTION_KEY,
  allowPrivateTargets: true,
};

async function hookAt(name: string) {
  const owner = await createUser(name);
  const hook = (await (
    await call(
      '/v1/webhooks',
      authed(owner.key, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: 'https://hooks.example.com/x' }),
      }),
    )
  ).json()) as { id: string; secret: string };
  await createDb(env.DB)
    .update(webhooks)
    .set({ url: `${receiver}/hook/${name}` })
    .where(eq(webhooks.id, hook.id));
  await fetch(`${receiver}/register/${name}`, {
    method: 'POST',
    body: JSON.stringify({ secret: hook.secret, failFirst: 0 }),
  });
  return { owner, hook };
}

describe('webhook deliveries, redeliver and test ping', () => {
  it('pings, lists the attempt, and redelivers a stored event signed the same way', async () => {
    const { owner, hook } = await hookAt('pinged');
    const ping = await sendTestPing(createDb(env.DB), settings, owner.id, hook.id);
    expect(ping).toMatchObject({ event_type: 'ping', status: 'succeeded', response_status: 200 });

    const db = createDb(env.DB);
    await outboxInsert(db, owner.id, 'album.created', { id: 'alb_1', name: 'Trip' });
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

    const seen = (await (await fetch(`${receiver}/log/pinged`)).json()) as ReceivedDelivery[];
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ verified: true, payload: { type: 'ping', owner: owner.id } });

    // A real event, delivered once, can be sent again on request (a new, verified attempt).
    const [evt] = await db.select().from(outboxEvents).where(eq(outboxEvents.ownerId, owner.id));
    const first = await deliverWebhook(db, settings, {
      webhookId: hook.id,
      event: {
        id: evt!.id,
        type: evt!.type,
        created_at: evt!.createdAt.toISOString(),
        owner: owner.id,
        data: evt!.payload,
      },
    });
    expect(first.kind).toBe('delivered');
    const resent = await redeliver(
      db,
      settings,
      owner.id,
      hook.id,
      (first as { deliveryId: string }).deliveryId,
    );
    expect(resent).toMatchObject({ event_id: evt!.id, attempt: 2, status: 'succeeded' });
    const after = (await (await fetch(`${receiver}/log/pinged`)).json()) as ReceivedDelivery[];
    expect(after.filter((d) => d.webhookId === evt!.id && d.verified)).toHaveLength(2);
  });

  it('through the API a loopback target is refused at send time and the refusal is logged', async () => {
    const { owner, hook } = await hookAt('guarded');
    const response = await call(`/v1/webhooks/${hook.id}/test`, authed(owner.key, { method: 'POST' }));
    expect(response.status).toBe(200);
    const attempt = (await response.json()) as {
      status: string;
      error: string;
      response_status: number | null;
    };
    expect(attempt).toMatchObject({ status: 'failed', response_status: null });
    expect(attempt.error).toContain('loopback');
    expect((await (await fetch(`${receiver}/log/guarded`)).json()) as unknown[]).toHaveLength(0);
  });

  it('hides another tenant’s deliveries', async () => {
    const { hook } = await hookAt('private-log');
    const other = await createUser('snoop');
    expect((await call(`/v1/webhooks/${hook.id}/deliveries`, authed(other.key))).status).toBe(404);
    expect((await call(`/v1/webhooks/${hook.id}/test`, authed(other.key, { method: 'POST' }))).status).toBe(
      404,
    );
  });
});
