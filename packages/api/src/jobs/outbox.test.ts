import { createDb, outboxEvents, webhookDeliveries, webhooks } from '@pixelflare/database';
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq, isNull } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { albumResourceFixture } from '../../test/fixtures/event-data';
import { createUser } from '../../test/helpers';
import { waitFor } from '../../test/wait-for';
import { newId } from '../lib/ids';
import { outboxInsert } from '../services/events/outbox';
import { encryptSecret, generateWebhookSecret } from '../services/webhooks/secret';
import { CRON_JOBS, handleScheduled, registerCronJob } from './scheduled';

async function runCron(cron: string) {
  const ctx = createExecutionContext();
  await handleScheduled(createScheduledController({ cron, scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe('outbox sweep (*/5 cron)', () => {
  it('feeds events left in the outbox to the webhooks queue once, and the consumer receives them', async () => {
    const db = createDb(env.DB);
    const owner = await createUser('outboxer');
    const hookId = newId('whk');
    await db.insert(webhooks).values({
      id: hookId,
      ownerId: owner.id,
      // Loopback: the consumer (SSRF guard on in tests) logs a refused attempt, which proves arrival.
      url: 'http://127.0.0.1:9/never',
      events: ['album.created'],
      secretEncrypted: await encryptSecret(env.AUTH_SECRET, generateWebhookSecret()),
    });
    // As if the change committed and the Worker crashed before enqueueing.
    await db.batch([
      outboxInsert(db, owner.id, 'album.created', albumResourceFixture('alb_a')),
      outboxInsert(db, owner.id, 'album.deleted', albumResourceFixture('alb_a')),
    ]);

    await runCron('*/5 * * * *');
    const pending = await db.select().from(outboxEvents).where(isNull(outboxEvents.dispatchedAt));
    expect(pending).toHaveLength(0);
    const [created] = await db.select().from(outboxEvents).where(eq(outboxEvents.type, 'album.created'));

    await waitFor(async () => {
      const rows = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hookId));
      expect(rows.map((row) => row.eventId)).toContain(created!.id);
      expect(rows[0]!.error).toContain('loopback');
    });
    // Only the subscribed event type was enqueued for this endpoint.
    const rows = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hookId));
    expect(new Set(rows.map((row) => row.eventType))).toEqual(new Set(['album.created']));

    // A second run finds nothing left to send.
    const before = await db.select().from(outboxEvents);
    await runCron('*/5 * * * *');
    expect(await db.select().from(outboxEvents)).toEqual(before);
  });
});

describe('01:00 cleanup', () => {
  it('removes rows past retention and leaves the same state when run twice', async () => {
    const db = createDb(env.DB);
    const owner = await createUser('cleaner');
    const old = new Date(Date.now() - 400 * 86_400_000);
    await db.batch([
      outboxInsert(db, owner.id, 'album.deleted', albumResourceFixture('alb_old')),
      outboxInsert(db, owner.id, 'album.deleted', albumResourceFixture('alb_new')),
    ]);
    const [first] = await db.select().from(outboxEvents).where(eq(outboxEvents.ownerId, owner.id));
    await db.update(outboxEvents).set({ dispatchedAt: old }).where(eq(outboxEvents.id, first!.id));

    await runCron('0 1 * * *');
    const afterOnce = await db.select().from(outboxEvents).where(eq(outboxEvents.ownerId, owner.id));
    expect(afterOnce).toHaveLength(1);
    expect(afterOnce[0]!.id).not.toBe(first!.id);
    await runCron('0 1 * * *');
    expect(await db.select().from(outboxEvents).where(eq(outboxEvents.ownerId, owner.id))).toEqual(afterOnce);
  });

  it('logs what each job did, and a failure with the job name', async () => {
    const lines: Record<string, unknown>[] = [];
    const capture = (line: unknown) => lines.push(JSON.parse(String(line)) as Record<string, unknown>);
    const log = vi.spyOn(console, 'log').mockImplementation(capture);
    const error = vi.spyOn(console, 'error').mockImplementation(capture);
    try {
      await runCron('0 1 * * *');
      registerCronJob('0 4 * * *', 'always-fails', async () => {
        throw new Error('disk on fire');
      });
      await expect(runCron('0 4 * * *')).rejects.toThrow('disk on fire');
    } finally {
      log.mockRestore();
      error.mockRestore();
      delete CRON_JOBS['0 4 * * *'];
    }
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: 'cron job finished',
        job: 'cleanup',
        trashPurged: expect.any(Number),
        expiredUploadTokens: expect.any(Number),
        auditRows: expect.any(Number),
        deliveryRows: expect.any(Number),
        outboxRows: expect.any(Number),
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'cron job failed',
        job: 'always-fails',
        errorMessage: 'disk on fire',
      }),
    );
  });

  it('has a job for every cron in wrangler.toml', async () => {
    for (const cron of ['0 1 * * *', '0 2 * * *', '0 3 * * *', '*/5 * * * *']) await runCron(cron);
  });
});
