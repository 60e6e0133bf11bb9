import { describe, expect, it } from 'vitest';
import type { WebhookDelivery } from '@pixelflare/shared';
import { ApiError } from './api/client';
import { deliverySummary, resendErrorMessage, webhookErrorMessage } from './webhooks';

// A manual send (test ping or "Send again"), as the log lists it.
const manual = {
  id: 'del_1',
  event_id: 'evt_1',
  event_type: 'ping',
  attempt: 1,
  trigger: 'manual' as const,
  status: 'succeeded' as const,
  response_status: 200,
  response_snippet: 'ok',
  error: null,
  duration_ms: 12,
  created_at: '2026-01-01T00:00:00.000Z',
};
const attempt = (changes: Partial<WebhookDelivery>): WebhookDelivery => ({ ...manual, ...changes });

describe('webhook wording', () => {
  it('says how a test attempt went: delivered with code and time, or why not', () => {
    expect(deliverySummary(attempt({}))).toBe('Test event delivered: HTTP 200 in 12 ms.');
    expect(deliverySummary(attempt({ status: 'failed', response_status: 500 }))).toBe(
      'The test event was not delivered: the endpoint answered HTTP 500.',
    );
    expect(
      deliverySummary(attempt({ status: 'failed', response_status: null, error: 'connection refused' })),
    ).toBe('The test event was not delivered: connection refused.');
  });

  it('says how a delivery sent again went, and why one can no longer be sent', () => {
    const resent = attempt({ event_type: 'album.created', attempt: 2 });
    expect(deliverySummary(resent, 'resend')).toBe('Sent album.created again: HTTP 200 in 12 ms.');
    expect(deliverySummary({ ...resent, status: 'failed', response_status: 503 }, 'resend')).toBe(
      'album.created was not delivered again: the endpoint answered HTTP 503.',
    );
    const gone = new ApiError(409, 'CONFLICT', 'This event is no longer kept, so it cannot be sent again');
    expect(resendErrorMessage(gone)).toBe('This event is no longer kept, so it cannot be sent again.');
    expect(resendErrorMessage(new ApiError(404, 'NOT_FOUND', 'x'))).toBe('We could not find that.');
  });

  it('explains a refused URL instead of a generic error', () => {
    const invalid = new ApiError(400, 'VALIDATION_FAILED', 'Invalid json: url', undefined, [
      { path: 'url', message: 'Invalid URL' },
    ]);
    expect(webhookErrorMessage(invalid)).toMatch(/full web address/);
    const privateTarget = new ApiError(400, 'BAD_REQUEST', 'points to a loopback address');
    expect(webhookErrorMessage(privateTarget)).toMatch(/cannot receive webhooks/);
    expect(webhookErrorMessage(new ApiError(404, 'NOT_FOUND', 'x'))).toBe('We could not find that.');
  });
});
