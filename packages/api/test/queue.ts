import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { handleQueue } from '../src/jobs/queues';
import type { Bindings } from '../src/lib/env';

/**
 * Runs messages through the Worker's real queue consumer, as the queue `queue` would deliver them, and returns
 * what the consumer did with each (acked, retried). Message ids are `msg-<n>` unless given.
 */
export async function runQueueBatch(
  queue: string,
  bodies: unknown[],
  options: { attempts?: number; ids?: string[]; bindings?: Bindings } = {},
) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({
      id: options.ids?.[i] ?? `msg-${i + 1}`,
      timestamp: new Date(),
      attempts: options.attempts ?? 1,
      body,
    })),
  );
  const ctx = createExecutionContext();
  await handleQueue(batch, options.bindings ?? env, ctx);
  return getQueueResult(batch, ctx);
}
