import { createDb, webhookDeliveries, webhooks } from '@pixelflare/database';
import { WEBHOOK_DELIVERY } from '@pixelflare/config';
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { asc, eq } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { authed, call, createUser } from '../../test/helpers';
import type { ReceivedDelivery } from '../../test/global-setup-webhooks';
import type { Bindings } from '../lib/env';
import { webhookRetryDelaySeconds, type WebhookJob } from '../services/webhooks/deliver';
import { handleQueue } from './queues';

const receiver = `http://127.0.0.1:${inject('webhookReceiverPort')}`;
// Loopback targets need the SSRF guard off, exactly as local development runs.
const loopbackEnv = { ...env, ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true' } as unknown as Bindings;

async function endpointFor(name: string, failFirst: number) {
  const owner = await createUser(name);
  const response = await call(
    '/v1/webhooks',
    authed(owner.key, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: 'https://hooks.example.com/placeholder' }),
    }),
  );
  const hook = (await response.json()) as { id: string; secret: string };
  // Created with a public URL through the API (the guard is on), then pointed at the loopback receiver.
  await createDb(env.DB)
    .update(webhooks)
    .set({ url: `${receiver}/hook/${name}` })
    .where(eq(webhooks.id, hook.id));
  await fetch(`${receiver}/register/${name}`, {
    method: 'POST',
    body: JSON.stringify({ secret: hook.secret, failFirst }),
  });
  return { owner, hook };
}

function job(webhookId: string, ownerId: string, eventId: string): WebhookJob {
  return {
    webhookId,
    event: {
      id: eventId,
      type: 'image.uploaded',
      created_at: new Date().toISOString(),
      owner: ownerId,
      data: { id: 'img_1', filename: 'beach.jpg' },
    },
  };
}

/** One queue delivery of `body` as attempt `attempts` (retry delays never elapse in tests). */
async function consume(queue: string, body: WebhookJob, attempts: number) {
  const batch = createMessageBatch(queue, [
    { id: `msg-${body.event.id}`, timestamp: new Date(), attempts, body },
  ]);
  const ctx = createExecutionContext();
  await handleQueue(batch, loopbackEnv, ctx);
  return getQueueResult(batch, ctx);
}

async function received(name: string): Promise<ReceivedDelivery[]> {
  return (await (await fetch(`${receiver}/log/${name}`)).json()) as ReceivedDelivery[];
}

async function deliveryLog(webhookId: string) {
  return createDb(env.DB)
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.webhookId, webhookId))
    .orderBy(asc(webhookDeliveries.attempt));
}

describe('webhooks queue consumer', () => {
  it('retries a failing receiver and delivers exactly once, every attempt signed and logged', async () => {
    const { owner, hook } = await endpointFor('flaky', 2);
    const message = job(hook.id, owner.id, 'evt_flaky_1');
    for (const attempt of [1, 2]) {
      const result = await consume('pixelflare-webhooks', message, attempt);
      expect(result.retryMessages).toHaveLength(1);
    }
    expect((await consume('pixelflare-webhooks', message, 3)).explicitAcks).toHaveLength(1);
    // A redelivered message after success sends nothing.
    expect((await consume('pixelflare-webhooks', message, 4)).explicitAcks).toHaveLength(1);

    const seen = await received('flaky');
    expect(seen).toHaveLength(3);
    expect(seen.every((d) => d.verified && d.webhookId === 'evt_flaky_1')).toBe(true);
    expect(seen.filter((d) => d.answered === 200)).toHaveLength(1);
    expect(seen[2]!.payload).toMatchObject({ id: 'evt_flaky_1', type: 'image.uploaded', owner: owner.id });

    const log = await deliveryLog(hook.id);
    expect(log.map((row) => [row.attempt, row.status, row.responseStatus])).toEqual([
      [1, 'failed', 500],
      [2, 'failed', 500],
      [3, 'succeeded', 200],
    ]);
    expect(log[0]!.responseSnippet).toBe('receiver says no');
  });

  it('sends the message to the dead-letter queue after the last attempt and disables a long-failing endpoint', async () => {
    const { owner, hook } = await endpointFor('down', -1);
    const longAgo = new Date(Date.now() - (WEBHOOK_DELIVERY.disableAfterFailingDays + 1) * 86_400_000);
    const message = job(hook.id, owner.id, 'evt_down_1');
    for (let attempt = 1; attempt <= WEBHOOK_DELIVERY.maxAttempts; attempt++) {
      if (attempt === WEBHOOK_DELIVERY.maxAttempts) {
        // Failing since days ago: the next failure disables the endpoint.
        await createDb(env.DB)
          .update(webhooks)
          .set({ failingSince: longAgo })
          .where(eq(webhooks.id, hook.id));
      }
      const result = await consume('pixelflare-webhooks', message, attempt);
      expect(result.retryMessages).toHaveLength(1);
    }
    const log = await deliveryLog(hook.id);
    expect(log).toHaveLength(WEBHOOK_DELIVERY.maxAttempts);
    expect(log.at(-1)!.status).toBe('dead');
    expect((await received('down')).every((d) => d.verified)).toBe(true);

    const shown = (await (await call(`/v1/webhooks/${hook.id}`, authed(owner.key))).json()) as {
      active: boolean;
      disabled_reason: string | null;
    };
    expect(shown.active).toBe(false);
    expect(shown.disabled_reason).toContain('Disabled automatically');

    // The dead letter is acknowledged and logged, never retried again; a disabled endpoint gets nothing.
    const dlq = await consume('pixelflare-webhooks-dlq', message, 1);
    expect(dlq.explicitAcks).toHaveLength(1);
    expect(
      (await consume('pixelflare-webhooks', job(hook.id, owner.id, 'evt_down_2'), 1)).explicitAcks,
    ).toHaveLength(1);
    expect(await received('down')).toHaveLength(WEBHOOK_DELIVERY.maxAttempts);
  });

  it('spreads the retries over most of a day with growing delays', () => {
    const delays = Array.from({ length: WEBHOOK_DELIVERY.maxAttempts - 1 }, (_, i) =>
      webhookRetryDelaySeconds(i + 1),
    );
    for (let i = 1; i < 5; i++) expect(delays[i]!).toBeGreaterThan(delays[i - 1]!);
    const totalHours = delays.reduce((sum, d) => sum + d, 0) / 3600;
    expect(totalHours).toBeGreaterThan(10);
    expect(totalHours).toBeLessThan(30);
  });
});
