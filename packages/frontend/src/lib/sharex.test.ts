import { describe, expect, it } from 'vitest';
import { sharexConfig } from './sharex';

describe('sharexConfig', () => {
  it('points ShareX at the one-shot upload with the key and reads the CDN URL from the answer', () => {
    const config = JSON.parse(sharexConfig('https://img.example.com/', 'pf_live_abc')) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({
      RequestURL: 'https://img.example.com/v1/upload',
      Headers: { Authorization: 'Bearer pf_live_abc' },
      Body: 'MultipartFormData',
      FileFormName: 'file',
      URL: '{json:urls.cdn}',
    });
  });
});
