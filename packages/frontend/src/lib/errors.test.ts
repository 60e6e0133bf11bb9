import { describe, expect, it } from 'vitest';
import en from '@pixelflare/i18n/messages/en.json';
import { ApiError } from './api/client';
import { errorMessage } from './errors';

describe('errorMessage', () => {
  it('words an API error by its code', () => {
    expect(errorMessage(new ApiError(413, 'QUOTA_EXCEEDED', '{"raw":"json"}'))).toBe(
      en['error.QUOTA_EXCEEDED'],
    );
  });

  it("shows the API's own message for a 400, which names the field", () => {
    expect(errorMessage(new ApiError(400, 'BAD_REQUEST', 'The endpoint must not contain credentials'))).toBe(
      'The endpoint must not contain credentials',
    );
    const invalid = new ApiError(400, 'VALIDATION_FAILED', 'Invalid json: name', undefined, [
      { path: 'name', message: 'Too small' },
    ]);
    expect(errorMessage(invalid)).toBe('Invalid json: name');
  });

  it('keeps the friendly text for a 400 without a message of the API', () => {
    // The client's stand-in for an answer that was not an API error body (a proxy's page).
    expect(errorMessage(new ApiError(400, 'INTERNAL_ERROR', 'HTTP 400'))).toBe(en['error.INTERNAL_ERROR']);
    expect(errorMessage(new ApiError(400, 'BAD_REQUEST', ' '))).toBe(en['error.BAD_REQUEST']);
  });

  it('keeps the friendly text for server errors', () => {
    expect(
      errorMessage(new ApiError(500, 'INTERNAL_ERROR', 'Something went wrong on our side. Quote …')),
    ).toBe(en['error.INTERNAL_ERROR']);
    expect(errorMessage(new ApiError(503, 'MISCONFIGURED', 'Server misconfigured: AUTH_SECRET'))).toBe(
      en['error.MISCONFIGURED'],
    );
  });

  it('words an unreachable API', () => {
    expect(errorMessage(new ApiError(0, 'NETWORK_ERROR', 'fetch failed'))).toBe(en['error.NETWORK_ERROR']);
  });

  it('never shows the text of an unexpected exception', () => {
    expect(errorMessage(new Error('TypeError: x is undefined'))).toBe(en['error.INTERNAL_ERROR']);
  });
});
