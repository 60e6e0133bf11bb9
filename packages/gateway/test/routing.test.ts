import { describe, expect, it } from 'vitest';
import { hostKindOf, routeRequest, upstreamFor } from '../src/routing';

const config = { PUBLIC_HOSTNAME: 'pixelflare.example', CDN_HOSTNAME: 'img.pixelflare.example' };
const withDomains = { ...config, ENABLE_CUSTOM_DOMAINS: 'true' as const };

describe('custom domains at the gateway (the HostKind seam)', () => {
  it('is an unknown host without ENABLE_CUSTOM_DOMAINS, whatever the path', () => {
    for (const flags of [config, { ...config, ENABLE_CUSTOM_DOMAINS: 'false' as const }]) {
      expect(hostKindOf('img.alice.example', flags)).toBeNull();
      expect(routeRequest(new URL('https://img.alice.example/holiday/beach.jpg'), flags)).toBe(
        'unknown-host',
      );
    }
  });

  it('sends every path of any other host to the API with it on, and keeps the own hosts as they were', () => {
    expect(hostKindOf('img.alice.example', withDomains)).toBe('custom');
    for (const path of ['/', '/holiday/beach.jpg/w1024', '/i/abc123', '/v1/me', '/settings']) {
      expect(routeRequest(new URL(`https://img.alice.example${path}`), withDomains), path).toBe('api');
    }
    expect(hostKindOf('pixelflare.example', withDomains)).toBe('public');
    expect(routeRequest(new URL('https://pixelflare.example/settings'), withDomains)).toBe('dashboard');
    expect(hostKindOf('img.pixelflare.example', withDomains)).toBe('cdn');
    expect(upstreamFor('custom', '/anything')).toBe('api');
  });
});

describe('public profiles', () => {
  it('sends /u/{owner} on the public host to the API (server-rendered), and /upload stays the dashboard’s', () => {
    for (const path of [
      '/u/alice',
      '/u/alice/holiday',
      '/u/alice/sitemap.xml',
      '/robots.txt',
      '/sitemap.xml',
    ])
      expect(routeRequest(new URL(`https://pixelflare.example${path}`), config), path).toBe('api');
    for (const path of ['/upload', '/users', '/sitemap.xml.bak', '/robots'])
      expect(routeRequest(new URL(`https://pixelflare.example${path}`), config), path).toBe('dashboard');
  });
});

describe('share links', () => {
  it('sends /s/{token} on the public host to the API, and /settings and /shared stay the dashboard’s', () => {
    expect(routeRequest(new URL('https://pixelflare.example/s/3q2-7wEjR0yM1xq8c5Vv7A0b'), config)).toBe(
      'api',
    );
    for (const path of ['/settings', '/shared', '/search'])
      expect(routeRequest(new URL(`https://pixelflare.example${path}`), config), path).toBe('dashboard');
  });
});

describe('the S3 endpoint', () => {
  it('sends /s3 and everything under it on the public host to the API; /s3x stays the dashboard’s', () => {
    for (const path of ['/s3', '/s3/', '/s3/alice', '/s3/alice/holiday/beach.jpg'])
      expect(routeRequest(new URL(`https://pixelflare.example${path}?list-type=2`), config), path).toBe(
        'api',
      );
    expect(routeRequest(new URL('https://pixelflare.example/s3x'), config)).toBe('dashboard');
  });
});
