import { describe, expect, it } from 'vitest';
import en from '@pixelflare/i18n/messages/en.json';
import { refusedUploadMessage } from './upload-errors';

describe('refusedUploadMessage', () => {
  it('words the API error code of a refused file', () => {
    const body = JSON.stringify({
      error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'text/html is not an image' },
    });
    expect(refusedUploadMessage(415, body)).toBe(en['error.UNSUPPORTED_MEDIA_TYPE']);
  });

  it('does not show a body that is not an API error', () => {
    expect(refusedUploadMessage(502, '<html>Bad gateway</html>')).toBe(en['error.INTERNAL_ERROR']);
    expect(refusedUploadMessage(undefined, undefined)).toBe(en['error.NETWORK_ERROR']);
  });
});
