import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { albumResourceFixture } from '../../test/fixtures/event-data';
import { runQueueBatch } from '../../test/queue';
import { recordingQueue } from '../../test/recording-queue';
import type { VariantsQueueMessage } from './messages';
import { GenerateVariantsMessage, sendVariantsMessage, sendWebhookJobs, type WebhookJob } from './messages';

describe('queue messages', () => {
  it('refuses a malformed variants message at the producer, which the consumer could only drop', async () => {
    const { queue, sent } = recordingQueue<VariantsQueueMessage>();
    const malformed: VariantsQueueMessage = { type: 'generate', imageId: '', ownerId: 'usr_1' };
    await expect(sendVariantsMessage(queue, malformed)).rejects.toThrow();
    expect(sent).toEqual([]);
    // The same body on the real queue is acknowledged and dropped: nothing would ever render it.
    const consumed = await runQueueBatch('pixelflare-variants', [malformed]);
    expect(consumed.explicitAcks).toEqual(['msg-1']);
    expect(consumed.retryMessages).toEqual([]);
  });

  it('queues a well-formed message exactly as the consumer parses it', async () => {
    const { queue, sent } = recordingQueue<VariantsQueueMessage>();
    const message: VariantsQueueMessage = {
      type: 'generate',
      imageId: 'img_1',
      ownerId: 'usr_1',
      variants: ['w128'],
    };
    await sendVariantsMessage(queue, message);
    expect(sent).toEqual([message]);
    expect(GenerateVariantsMessage.parse(sent[0])).toEqual(message);
  });

  it('sends webhook jobs in batches the queue accepts (at most 100)', async () => {
    const { queue, sent, batches } = recordingQueue<WebhookJob>();
    const event = {
      id: 'evt_1',
      type: 'album.created',
      created_at: new Date(0).toISOString(),
      owner: 'usr_1',
      data: albumResourceFixture('alb_1'),
    } as unknown as WebhookJob['event'];
    const jobs = Array.from({ length: 250 }, (_, i) => ({ webhookId: `whk_${i}`, event }));
    await sendWebhookJobs(queue, jobs);
    expect(batches).toEqual([100, 100, 50]);
    expect(sent).toEqual(jobs);
  });

  it('types the queue bindings by their messages, so a producer cannot send a shape its consumer drops', () => {
    // Compiled, never run: `pnpm typecheck` fails if these stop being type errors.
    const neverCalled = () => {
      // @ts-expect-error: a generate message names its image and owner
      void env.VARIANTS_QUEUE.send({ type: 'generate' });
      // @ts-expect-error: the webhooks queue carries one event for one endpoint
      void env.WEBHOOKS_QUEUE.send({ type: 'generate', imageId: 'img_1', ownerId: 'usr_1' });
    };
    expect(typeof neverCalled).toBe('function');
  });
});
