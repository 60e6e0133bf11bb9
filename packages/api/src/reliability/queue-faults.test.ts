import { VARIANT_NAMES } from '@pixelflare/config';
import {
  createDb,
  imageVariants,
  images,
  outboxEvents,
  webhookDeliveries,
  webhooks,
} from '@pixelflare/database';
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { and, eq, isNull } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { faulty, requestWithBindings } from '../../test/fixtures/faults';
import { fixture } from '../../test/fixtures/fixtures.generated';
import { makeJpeg, storeImage } from '../../test/fixtures/cdn/images';
import { uploadForm } from '../../test/fixtures/upload-helpers';
import { authed, createUser, type TestUser } from '../../test/helpers';
import { waitFor } from '../../test/wait-for';
import type { VariantsQueueMessage } from '../jobs/messages';
import { handleScheduled } from '../jobs/scheduled';
import { newId } from '../lib/ids';
import { createLogger } from '../lib/logger';
import {
  RENDITIONS_CURSOR_KEY,
  RENDITION_SWEEP_LIMITS,
  requeueMissingRenditions,
} from '../services/reconcile/renditions';
import { encryptSecret, generateWebhookSecret } from '../services/webhooks/secret';

const db = () => createDb(env.DB);
const HOUR = 3_600_000;

async function runCron(cron: string, scheduledTime = Date.now()) {
  const ctx = createExecutionContext();
  await handleScheduled(createScheduledController({ cron, scheduledTime }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function uploadThrough(user: TestUser, bindings: Parameters<typeof requestWithBindings>[0]) {
  const response = await requestWithBindings(
    bindings,
    '/v1/upload',
    authed(user.key, { method: 'POST', body: uploadForm(fixture('stripe.jpg'), `${newId('f')}.jpg`) }),
  );
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string };
}

const readyPresetsOf = async (imageId: string) =>
  new Set(
    (
      await db()
        .select({ name: imageVariants.name })
        .from(imageVariants)
        .where(and(eq(imageVariants.imageId, imageId), eq(imageVariants.status, 'ready')))
    ).map((row) => row.name),
  );

describe('a queue send throws', () => {
  it('webhooks queue: the event stays in the outbox and the 5-minute sweep delivers it later', async () => {
    const owner = await createUser('queue-down-hooks');
    const hookId = newId('whk');
    await db()
      .insert(webhooks)
      .values({
        id: hookId,
        ownerId: owner.id,
        // Loopback: the consumer (SSRF guard on in tests) logs a refused attempt, which proves arrival.
        url: 'http://127.0.0.1:9/never',
        events: ['image.uploaded'],
        secretEncrypted: await encryptSecret(env.AUTH_SECRET, generateWebhookSecret()),
      });
    const queue = faulty(env.WEBHOOKS_QUEUE);
    queue.fail('sendBatch');
    const image = await uploadThrough(owner, { WEBHOOKS_QUEUE: queue.binding });
    // The request's own flush tried, failed, and left the event pending.
    expect(queue.calls('sendBatch')).toBeGreaterThan(0);
    const [event] = await db()
      .select()
      .from(outboxEvents)
      .where(and(eq(outboxEvents.ownerId, owner.id), eq(outboxEvents.type, 'image.uploaded')));
    expect(event).toMatchObject({ dispatchedAt: null });
    expect(JSON.stringify(event!.payload)).toContain(image.id);

    await runCron('*/5 * * * *');
    const pending = await db()
      .select()
      .from(outboxEvents)
      .where(and(eq(outboxEvents.ownerId, owner.id), isNull(outboxEvents.dispatchedAt)));
    expect(pending).toEqual([]);
    await waitFor(async () => {
      const rows = await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hookId));
      expect(rows.map((row) => row.eventId)).toContain(event!.id);
    });
  });

  it('variants queue: the upload succeeds, and the 01:00 sweep of images missing renditions redoes the job', async () => {
    const owner = await createUser('queue-down-variants');
    const queue = faulty(env.VARIANTS_QUEUE);
    queue.fail('send');
    const image = await uploadThrough(owner, { VARIANTS_QUEUE: queue.binding });
    // Both of the upload's messages were tried: its variants and its analysis.
    expect(queue.calls('send')).toBe(2);
    expect(await readyPresetsOf(image.id)).toEqual(new Set());

    // Past the grace period the cleanup finds the image without renditions and queues its job again; the
    // real consumer renders every preset.
    await runCron('0 1 * * *', Date.now() + RENDITION_SWEEP_LIMITS.graceSeconds * 1000 + HOUR);
    await waitFor(async () => expect(await readyPresetsOf(image.id)).toEqual(new Set(VARIANT_NAMES)));
  });

  it('the sweep is bounded per run, resumes from its cursor, and skips images within the grace period', async () => {
    const owner = await createUser('renditions-pages');
    const stored = [];
    for (const name of ['a.jpg', 'b.jpg', 'c.jpg']) {
      stored.push(
        await storeImage(owner.id, {
          filename: name,
          bytes: makeJpeg(32, 32),
          contentType: 'image/jpeg',
          width: 32,
          height: 32,
        }),
      );
    }
    // Only this test's images are old enough: the others of this file are inside the grace period.
    await db()
      .update(images)
      .set({ createdAt: new Date(Date.now() - 10 * HOUR) })
      .where(eq(images.ownerId, owner.id));
    await env.KV.delete(RENDITIONS_CURSOR_KEY);
    // A stand-in for the Queues binding that records what it is given.
    const sent: VariantsQueueMessage[] = [];
    const recordingQueue = {
      sendBatch: async (messages: Iterable<MessageSendRequest<VariantsQueueMessage>>) => {
        for (const message of messages) sent.push(message.body);
      },
    } as unknown as Queue<VariantsQueueMessage>;
    const deps = { db: db(), queue: recordingQueue, kv: env.KV, logger: createLogger(), presets: ['w128'] };
    const limits = { graceSeconds: 3600, perRun: 2, pages: 5, pageSize: 1 };
    const now = new Date();
    const first = await requeueMissingRenditions(deps, now, limits);
    expect(first).toMatchObject({ requeued: 2, complete: false });
    const second = await requeueMissingRenditions(deps, now, limits);
    expect(second).toMatchObject({ requeued: 1, complete: true });
    const ours = sent.filter((message) => message.type === 'generate' && message.ownerId === owner.id);
    expect(ours.map((message) => message.type === 'generate' && message.imageId).sort()).toEqual(
      stored.map((image) => image.id).sort(),
    );
    // The round finished: the cursor is cleared and the next run starts from the first image again.
    expect(await env.KV.get(RENDITIONS_CURSOR_KEY)).toBeNull();
  });
});
