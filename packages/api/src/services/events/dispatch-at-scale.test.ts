import { createDb, outboxEvents, users, webhooks } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { isNull } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { newId } from '../../lib/ids';
import type { WebhookJob } from '../../jobs/messages';
import { dispatchOutbox } from './dispatch';
import { recordingQueue } from '../../../test/recording-queue';

describe('outbox dispatch across many owners', () => {
  it('sends a full sweep of 100 events from 100 owners, each to its owner’s webhooks, and marks them all', async () => {
    const db = createDb(env.DB);
    const owners = Array.from({ length: 100 }, (_, i) => ({
      id: newId('usr'),
      slug: `dispatch-${String(i).padStart(3, '0')}`,
      hook: newId('whk'),
      event: newId('evt'),
    }));
    const statements = owners.flatMap((owner, i) => [
      db.insert(users).values({ id: owner.id, slug: owner.slug, displayName: owner.slug }),
      db.insert(webhooks).values({
        id: owner.hook,
        ownerId: owner.id,
        url: `https://hooks.example.test/${owner.slug}`,
        events: [],
        secretEncrypted: 'not-read-by-dispatch',
      }),
      db.insert(outboxEvents).values({
        id: owner.event,
        ownerId: owner.id,
        type: 'album.deleted',
        payload: { slug: owner.slug },
        createdAt: new Date(Date.UTC(2026, 0, 1) + i),
      }),
    ]);
    await db.batch(statements as [(typeof statements)[number], ...typeof statements]);

    const { queue, sent: jobs } = recordingQueue<WebhookJob>();
    const result = await dispatchOutbox(db, queue);

    expect(result).toEqual({ events: 100, messages: 100 });
    expect(new Set(jobs.map((job) => `${job.webhookId} ${job.event.id}`))).toEqual(
      new Set(owners.map((owner) => `${owner.hook} ${owner.event}`)),
    );
    expect(await db.select().from(outboxEvents).where(isNull(outboxEvents.dispatchedAt))).toEqual([]);
  });
});
