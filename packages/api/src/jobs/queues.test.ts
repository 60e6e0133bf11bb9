import { describe, expect, it } from 'vitest';
import { runQueueBatch } from '../../test/queue';
import { queueKindOf } from './queues';

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
});
