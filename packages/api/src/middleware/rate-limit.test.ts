import { describe, expect, it } from 'vitest';
import { authed, call, createUser, errorOf } from '../../test/helpers';

const fromIp = (ip: string): RequestInit => ({ headers: { 'CF-Connecting-IP': ip } });

describe('rate limiting', () => {
  it('refuses an anonymous caller past its bucket with 429, Retry-After and RateLimit-* headers', async () => {
    const first = await call('/v1/status', fromIp('203.0.113.7'));
    expect(first.headers.get('RateLimit-Limit')).toBe('60');
    expect(first.headers.get('RateLimit-Remaining')).toBe('59');
    for (let i = 1; i < 60; i++) await call('/v1/status', fromIp('203.0.113.7'));

    const refused = await call('/v1/status', fromIp('203.0.113.7'));
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).code).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('RateLimit-Remaining')).toBe('0');

    // Buckets are per caller: another address is unaffected.
    expect((await call('/v1/status', fromIp('203.0.113.8'))).status).toBe(200);
  });

  it('gives uploads a tighter bucket than the rest of the API, per key', async () => {
    const user = await createUser('uploader', { scopes: ['images:read', 'images:write'] });
    const api = await call('/v1/tags', authed(user.key));
    const upload = await call('/v1/upload', authed(user.key, { method: 'POST' }));
    expect(Number(upload.headers.get('RateLimit-Limit'))).toBeLessThan(
      Number(api.headers.get('RateLimit-Limit')),
    );

    const limit = Number(upload.headers.get('RateLimit-Limit'));
    for (let i = 1; i < limit; i++) await call('/v1/upload', authed(user.key, { method: 'POST' }));
    expect((await call('/v1/upload', authed(user.key, { method: 'POST' }))).status).toBe(429);
    expect((await call('/v1/tags', authed(user.key))).status).toBe(200);
  });
});
