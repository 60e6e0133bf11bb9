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

/**
 * One line about an attempt: a "Send test event" ping, or a delivery sent again. Both say the code and time, or
 * why it did not arrive.
 */
export function deliverySummary(delivery: WebhookDelivery, kind: 'test' | 'resend' = 'test'): string {
  if (delivery.status === 'succeeded') {
    const params = { status: delivery.response_status ?? '', duration: delivery.duration_ms ?? 0 };
    return kind === 'test'
      ? t('webhooks.test.succeeded', params)
      : t('webhooks.resend.succeeded', { ...params, event: delivery.event_type });
  }
  const reason =
    delivery.response_status !== null
      ? t('webhooks.test.answered', { status: delivery.response_status })
      : (delivery.error ?? t('webhooks.test.no_answer'));
  return kind === 'test'
    ? t('webhooks.test.failed', { reason })
    : t('webhooks.resend.failed', { reason, event: delivery.event_type });
}

/** Why "Send again" was refused; the API keeps events for a while only, then answers 409. */
export function resendErrorMessage(error: unknown): string {
  if (error instanceof ApiError && error.code === 'CONFLICT') return t('webhooks.resend.gone');
  return webhookErrorMessage(error);
}
