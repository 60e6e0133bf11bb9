import { createDb, webhookDeliveries, webhooks } from '@pixelflare/database';
import { WEBHOOK_DELIVERY } from '@pixelflare/config';
import { env } from 'cloudflare:workers';
import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { authed, call } from '../../test/helpers';
import { consumeWebhookJobs, loopbackWebhook, receivedBy } from '../../test/webhook-receiver';
import { readSnippet, webhookRetryDelaySeconds } from '../services/webhooks/deliver';
import type { WebhookJob } from './messages';

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
const consume = (queue: string, body: WebhookJob, attempts: number) =>
  consumeWebhookJobs([body], attempts, queue);

async function deliveryLog(webhookId: string) {
  return createDb(env.DB)
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.webhookId, webhookId))
    .orderBy(asc(webhookDeliveries.attempt));
}

describe('webhooks queue consumer', () => {
  it('retries a failing receiver and delivers exactly once, every attempt signed and logged', async () => {
    const { owner, hook } = await loopbackWebhook('flaky', 2);
    const message = job(hook.id, owner.id, 'evt_flaky_1');
    for (const attempt of [1, 2]) {
      const result = await consume('pixelflare-webhooks', message, attempt);
      expect(result.retryMessages).toHaveLength(1);
    }
    expect((await consume('pixelflare-webhooks', message, 3)).explicitAcks).toHaveLength(1);
    // A redelivered message after success sends nothing.
    expect((await consume('pixelflare-webhooks', message, 4)).explicitAcks).toHaveLength(1);

    const seen = await receivedBy('flaky');
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
    const { owner, hook } = await loopbackWebhook('down', -1);
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
    expect((await receivedBy('down')).every((d) => d.verified)).toBe(true);

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
    expect(await receivedBy('down')).toHaveLength(WEBHOOK_DELIVERY.maxAttempts);
  });

  it('sends no further request when the queue delivers the message once more after the last attempt', async () => {
    const { owner, hook } = await loopbackWebhook('exhausted', -1);
    const message = job(hook.id, owner.id, 'evt_exhausted_1');
    for (let attempt = 1; attempt <= WEBHOOK_DELIVERY.maxAttempts; attempt++) {
      expect((await consume('pixelflare-webhooks', message, attempt)).retryMessages).toHaveLength(1);
    }
    // wrangler.toml allows maxAttempts retries, so the queue delivers once more: retried again (so it moves
    // to the dead-letter queue), without a 9th request or log row.
    const extra = await consume('pixelflare-webhooks', message, WEBHOOK_DELIVERY.maxAttempts + 1);
    expect(extra.retryMessages).toHaveLength(1);
    expect(await receivedBy('exhausted')).toHaveLength(WEBHOOK_DELIVERY.maxAttempts);
    expect(await deliveryLog(hook.id)).toHaveLength(WEBHOOK_DELIVERY.maxAttempts);
  });

  it('logs the first 1 KB of a response and stops reading there, never cutting a character', async () => {
    const euros = new TextEncoder().encode('€'.repeat(100));
    // A receiver that never stops answering: reading it all would never finish.
    const endless = new ReadableStream<Uint8Array>({ pull: (controller) => controller.enqueue(euros) });
    const snippet = await readSnippet(new Response(endless), WEBHOOK_DELIVERY.responseSnippetBytes);
    // '€' is 3 bytes in UTF-8: 341 whole characters fit in 1024 bytes.
    expect(snippet).toBe('€'.repeat(341));
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
