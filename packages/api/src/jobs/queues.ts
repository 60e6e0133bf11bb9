import type { Bindings } from '../lib/env';
import { createLogger, describeError } from '../lib/logger';
import { dispatchOutbox } from '../services/events/dispatch';
import { createJobContext, RetryLater, type JobContext, type MessageConsumer } from './context';
import { consumeBackupMessage } from './backups';
import { consumeDomainsMessage } from './domains';
import { consumeVariantsMessage } from './variants';
import { consumeWebhookJob } from './webhooks';

type QueueKind = 'variants' | 'webhooks' | 'backups' | 'custom-domains';

/** Queue names in wrangler.toml end with their kind; dead-letter queues add `-dlq`. */
export function queueKindOf(queueName: string): { kind: QueueKind; deadLetter: boolean } | null {
  const deadLetter = queueName.endsWith('-dlq');
  const base = deadLetter ? queueName.slice(0, -4) : queueName;
  for (const kind of ['variants', 'webhooks', 'backups', 'custom-domains'] as const) {
    if (base.endsWith(kind)) return { kind, deadLetter };
  }
  return null;
}

/** Retry delay for attempt n (1-based): exponential with full jitter, capped. */
function backoffSeconds(attempt: number, baseSeconds = 10, maxSeconds = 3600): number {
  const ceiling = Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round(ceiling / 2 + Math.random() * (ceiling / 2)));
}

const consumers: Readonly<Record<QueueKind, MessageConsumer>> = {
  variants: (body, ctx) => consumeVariantsMessage(body, ctx),
  webhooks: (body, ctx, message) => consumeWebhookJob(body, ctx, message),
  backups: (body, ctx) => consumeBackupMessage(body, ctx),
  'custom-domains': (body, ctx) => consumeDomainsMessage(body, ctx),
};

/** The owner a job message is about, when its body names one (every job but webhook deliveries does). */
function ownerOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || !('ownerId' in body)) return null;
  return typeof body.ownerId === 'string' && body.ownerId !== '' ? body.ownerId : null;
}

/**
 * Events a job wrote (image.variants_ready, export.ready, domain.active, ...) go to the webhooks queue as soon as
 * the job is done, not at the next outbox sweep. A failed flush only logs: the sweep sends the events later.
 */
async function flushOwnerOutbox(ctx: JobContext, ownerId: string): Promise<void> {
  try {
    await dispatchOutbox(ctx.db, ctx.env.WEBHOOKS_QUEUE, ownerId);
  } catch (error) {
    ctx.logger.warn('outbox flush after a job failed; the sweep will send its events', {
      ownerId,
      ...describeError(error),
    });
  }
}

/** The Worker's `queue` entry point: routes a batch to its consumer, acking or retrying each message alone. */
export async function handleQueue(batch: MessageBatch, env: Bindings, ctx: ExecutionContext): Promise<void> {
  const logger = createLogger({ queue: batch.queue });
  const route = queueKindOf(batch.queue);
  if (!route) {
    logger.error('message on an unknown queue; acknowledging to avoid a retry loop', {
      count: batch.messages.length,
    });
    batch.ackAll();
    return;
  }
  const jobCtx = createJobContext(env, logger, ctx);
  for (const message of batch.messages) {
    if (route.deadLetter) {
      // Nothing is dropped silently: the dead letter is logged with its body for an operator to replay.
      logger.error('dead letter', {
        kind: route.kind,
        messageId: message.id,
        attempts: message.attempts,
        body: message.body,
      });
      message.ack();
      continue;
    }
    const messageCtx = { ...jobCtx, logger: logger.child({ messageId: message.id }) };
    try {
      await consumers[route.kind](message.body, messageCtx, message);
      message.ack();
    } catch (error) {
      logger.warn('job failed; will retry', {
        messageId: message.id,
        attempts: message.attempts,
        ...describeError(error),
      });
      message.retry({
        delaySeconds: error instanceof RetryLater ? error.delaySeconds : backoffSeconds(message.attempts),
      });
      continue;
    }
    const ownerId = route.kind === 'webhooks' ? null : ownerOf(message.body);
    if (ownerId) await flushOwnerOutbox(messageCtx, ownerId);
  }
}
