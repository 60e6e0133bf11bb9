import { createDb, outboxEvents, webhooks } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { albumResourceFixture } from '../../test/fixtures/event-data';
import { createUser } from '../../test/helpers';
import { runQueueBatch } from '../../test/queue';
import { newId } from '../lib/ids';
import { outboxInsert } from '../services/events/outbox';
import { encryptSecret, generateWebhookSecret } from '../services/webhooks/secret';
import type { WebhookJob } from './messages';
import { queueKindOf } from './queues';
import { recordingQueue } from '../../test/recording-queue';

const deliver = (queue: string, body: unknown) => runQueueBatch(queue, [body]);

describe('queue routing', () => {
  it.each(['pixelflare-backups', 'pixelflare-custom-domains'])(
    'a message on %s reaches its seam consumer and is acknowledged, twice in a row alike',
    async (queue) => {
      for (let i = 0; i < 2; i++) {
        const result = await deliver(queue, { kind: 'seam-check' });
        expect(result.explicitAcks).toEqual(['msg-1']);
        expect(result.retryMessages).toEqual([]);
      }
    },
  );

  it('maps queue names (and their dead-letter queues) to consumers', () => {
    expect(queueKindOf('pixelflare-custom-domains')).toEqual({ kind: 'custom-domains', deadLetter: false });
    expect(queueKindOf('pixelflare-webhooks-dlq')).toEqual({ kind: 'webhooks', deadLetter: true });
    expect(queueKindOf('something-else')).toBeNull();
  });

  it('a malformed webhooks message is dropped (acknowledged), not retried for ever', async () => {
    const result = await deliver('pixelflare-webhooks', { nonsense: true });
    expect(result.explicitAcks).toEqual(['msg-1']);
  });

  it("sends the owner's pending events to the webhooks queue once a job for that owner is done", async () => {
    const db = createDb(env.DB);
    const owner = await createUser('job-flush');
    const other = await createUser('job-flush-other');
    for (const user of [owner, other]) {
      await db.insert(webhooks).values({
        id: newId('whk'),
        ownerId: user.id,
        url: 'https://hooks.example/in',
        events: [],
        secretEncrypted: await encryptSecret(env.AUTH_SECRET, generateWebhookSecret()),
      });
      // As a job writes them: in the outbox, not yet sent.
      await db.batch([outboxInsert(db, user.id, 'album.created', albumResourceFixture(`alb_${user.id}`))]);
    }
    const { queue: capture, sent } = recordingQueue<WebhookJob>();

    // A backups job for the owner (a purged image's backup, with no destination configured: nothing to do).
    const result = await runQueueBatch(
      'pixelflare-backups',
      [{ type: 'delete', ownerId: owner.id, imageId: 'img_gone', extension: 'jpg' }],
      { bindings: { ...env, WEBHOOKS_QUEUE: capture } },
    );
    expect(result.explicitAcks).toEqual(['msg-1']);
    expect(sent.map((job) => job.event.owner)).toEqual([owner.id]);
    const [mine] = await db.select().from(outboxEvents).where(eq(outboxEvents.ownerId, owner.id));
    const [theirs] = await db.select().from(outboxEvents).where(eq(outboxEvents.ownerId, other.id));
    expect(mine!.dispatchedAt).not.toBeNull();
    // Another owner's events wait for their own job or the sweep.
    expect(theirs!.dispatchedAt).toBeNull();
  });
});
