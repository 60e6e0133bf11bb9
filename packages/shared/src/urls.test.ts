import { describe, expect, it } from 'vitest';
import { cdnPathUrl, cdnShortUrl } from './urls';

describe('CDN URLs', () => {
  const base = { origin: 'http://localhost:8787/' };

  it('builds path and short-id URLs, with and without a variant', () => {
    expect(cdnPathUrl(base, 'alice', 'holiday', 'beach.jpg')).toBe(
      'http://localhost:8787/cdn/alice/holiday/beach.jpg',
    );
    expect(cdnPathUrl(base, 'alice', 'holiday', 'beach.jpg', 'w1024')).toBe(
      'http://localhost:8787/cdn/alice/holiday/beach.jpg/w1024',
    );
    expect(cdnShortUrl(base, 'abc234', 'thumb')).toBe('http://localhost:8787/cdn/i/abc234/thumb');
    expect(cdnShortUrl(base, 'abc234', 'original')).toBe('http://localhost:8787/cdn/i/abc234');
  });

  it('encodes each segment so names with spaces or slashes stay one segment', () => {
    expect(cdnPathUrl(base, 'alice', 'my album', 'a/b #1.png')).toBe(
      'http://localhost:8787/cdn/alice/my%20album/a%2Fb%20%231.png',
    );
  });

  it('drops the /cdn prefix on a dedicated CDN hostname', () => {
    expect(cdnShortUrl({ origin: 'https://img.example.com', dedicatedHost: true }, 'abc234')).toBe(
      'https://img.example.com/i/abc234',
    );
  });
});
