import { describe, expect, it } from 'vitest';
import { canonicalCdnPath, canonicalCdnQuery, cdnPathUrl, cdnShortUrl, cdnUrl, cdnUrlBaseOf } from './urls';

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

  it('drops /cdn/{owner} on that owner’s custom domain, and recovers that base from a URL it built', () => {
    const custom = { origin: 'https://img.alice.example', customHostOwner: 'alice' };
    expect(cdnPathUrl(custom, 'alice', 'holiday', 'beach.jpg', 'w1024')).toBe(
      'https://img.alice.example/holiday/beach.jpg/w1024',
    );
    expect(cdnShortUrl(custom, 'abc234', 'thumb')).toBe('https://img.alice.example/i/abc234/thumb');
    const beach = { kind: 'path', owner: 'alice', album: 'my album', filename: 'beach.jpg' } as const;
    const url = cdnUrl(custom, canonicalCdnPath(beach));
    expect(url).toBe('https://img.alice.example/my%20album/beach.jpg');
    expect(cdnUrlBaseOf(url, beach)).toEqual(custom);
    // The product's own hosts are still recognised first.
    expect(cdnUrlBaseOf('http://localhost:8787/cdn/alice/my%20album/beach.jpg', beach)).toEqual({
      origin: 'http://localhost:8787',
    });
  });

  it('recovers the base of a URL it built, so a client builds the same presets on the same host', () => {
    const short = { kind: 'short', shortId: 'abc234' } as const;
    for (const origin of [
      { origin: 'http://localhost:8787' },
      { origin: 'https://img.example.com', dedicatedHost: true },
    ]) {
      const found = cdnUrlBaseOf(cdnShortUrl(origin, 'abc234'), short);
      expect(found).toEqual(origin);
      expect(cdnUrl(found!, canonicalCdnPath(short, 'w256'))).toBe(cdnShortUrl(origin, 'abc234', 'w256'));
    }
    expect(cdnUrlBaseOf('http://localhost:8787/cdn/i/other', short)).toBeUndefined();
  });

  it('builds public URLs from the canonical path, so the URL served is the path signed and cached', () => {
    const path = canonicalCdnPath(
      { kind: 'path', owner: 'alice', album: 'été 100%', filename: 'a+b c.jpg' },
      'w256',
    );
    expect(path).toBe('/cdn/alice/%C3%A9t%C3%A9%20100%25/a%2Bb%20c.jpg/w256');
    expect(cdnPathUrl(base, 'alice', 'été 100%', 'a+b c.jpg', 'w256')).toBe(`http://localhost:8787${path}`);
    expect(cdnUrl({ origin: 'https://img.example.com', dedicatedHost: true }, path)).toBe(
      'https://img.example.com/alice/%C3%A9t%C3%A9%20100%25/a%2Bb%20c.jpg/w256',
    );
    expect(canonicalCdnPath({ kind: 'short', shortId: 'abc234' }, 'original')).toBe('/cdn/i/abc234');
    expect(cdnUrl(base, '/cdn/i/abc234', new URLSearchParams([['w', '100']]))).toBe(
      'http://localhost:8787/cdn/i/abc234?w=100',
    );
  });
});

describe('canonical CDN query', () => {
  it('sorts, encodes and leaves out the signature, whatever order the client wrote', () => {
    const canonical = 'f=png&t=my%20card&w=100';
    expect(
      canonicalCdnQuery([
        ['w', '100'],
        ['f', 'png'],
        ['t', 'my card'],
      ]),
    ).toBe(canonical);
    expect(canonicalCdnQuery(new URLSearchParams('sig=ab&t=my+card&exp=9&f=png&w=100'))).toBe(canonical);
    expect(canonicalCdnQuery([])).toBe('');
  });
});
