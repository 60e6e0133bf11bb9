import { t } from '@pixelflare/i18n';
import type { WebhookDelivery } from '@pixelflare/shared';
import { ApiError } from './api/client';
import { errorMessage } from './errors';

/** A refused webhook URL says what a valid one looks like; anything else is worded from its error code. */
export function webhookErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'VALIDATION_FAILED' && error.issues.some((issue) => issue.path.startsWith('url')))
      return t('webhooks.invalid_url');
    // The SSRF guard answers BAD_REQUEST without field issues (private, loopback or credentials in the URL).
    if (error.code === 'BAD_REQUEST') return t('webhooks.refused_url');
  }
  return errorMessage(error);
}

export const deliveryStatusLabel = (status: WebhookDelivery['status']): string =>
  ({
    pending: t('webhooks.delivery.pending'),
    succeeded: t('webhooks.delivery.succeeded'),
    failed: t('webhooks.delivery.failed'),
    dead: t('webhooks.delivery.dead'),
  })[status];

/** One line about an attempt, for the "Send test event" result. */
export function deliverySummary(delivery: WebhookDelivery): string {
  if (delivery.status === 'succeeded')
    return t('webhooks.test.succeeded', {
      status: delivery.response_status ?? '',
      duration: delivery.duration_ms ?? 0,
    });
  const reason =
    delivery.response_status !== null
      ? t('webhooks.test.answered', { status: delivery.response_status })
      : (delivery.error ?? t('webhooks.test.no_answer'));
  return t('webhooks.test.failed', { reason });
}
