import type { Bindings } from '../lib/env';
import { createLogger, describeError } from '../lib/logger';
import { createJobContext, RetryLater, type MessageConsumer } from './context';
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
    try {
      await consumers[route.kind](
        message.body,
        { ...jobCtx, logger: logger.child({ messageId: message.id }) },
        message,
      );
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
    }
  }
}
