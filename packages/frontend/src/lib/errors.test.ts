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

  it('words an unreachable API', () => {
    expect(errorMessage(new ApiError(0, 'NETWORK_ERROR', 'fetch failed'))).toBe(en['error.NETWORK_ERROR']);
  });

  it('never shows the text of an unexpected exception', () => {
    expect(errorMessage(new Error('TypeError: x is undefined'))).toBe(en['error.INTERNAL_ERROR']);
  });
});
