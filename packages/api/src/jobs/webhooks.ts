import { deliverWebhook } from '../services/webhooks/deliver';
import { RetryLater, type MessageConsumer } from './context';
import { isWebhookJob } from './messages';

/**
 * Webhooks-queue consumer: one message is one event for one endpoint. A failed attempt retries with the
 * webhook backoff; after the last attempt the message is retried once more so the queue moves it to the
 * dead-letter queue (wrangler.toml max_retries matches WEBHOOK_DELIVERY.maxAttempts).
 */
export const consumeWebhookJob: MessageConsumer = async (body, ctx) => {
  if (!isWebhookJob(body)) {
    ctx.logger.error('malformed webhook job dropped', { body });
    return;
  }
  const outcome = await deliverWebhook(
    ctx.db,
    {
      encryptionKey: ctx.config.ENCRYPTION_KEY ?? ctx.config.AUTH_SECRET,
      allowPrivateTargets: ctx.config.ALLOW_PRIVATE_WEBHOOK_TARGETS,
    },
    body,
  );
  ctx.logger.info('webhook delivery', {
    webhookId: body.webhookId,
    eventId: body.event.id,
    outcome: outcome.kind,
  });
  if (outcome.kind === 'retry') throw new RetryLater(outcome.delaySeconds);
  if (outcome.kind === 'dead') throw new RetryLater(0, 'retries exhausted; to the dead-letter queue');
};
