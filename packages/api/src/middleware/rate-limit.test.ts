import { PLANS, RATE_LIMITS } from '@pixelflare/config';
import { createDb, users } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { authed, call, createUser, errorOf } from '../../test/helpers';

const fromIp = (ip: string): RequestInit => ({ headers: { 'CF-Connecting-IP': ip } });

/**
 * Calls until the first refusal. Buckets refill with wall-clock time (one token a second for 60 a minute), so on
 * a loaded machine a few more than `capacity` calls may pass before one is refused; the bound is generous.
 */
async function callUntilRefused(capacity: number, request: () => Promise<Response>) {
  for (let calls = 1; calls <= capacity * 2; calls++) {
    const response = await request();
    if (response.status === 429) return { calls, refused: response };
  }
  throw new Error(`no refusal within ${capacity * 2} calls`);
}

describe('rate limiting', () => {
  it('refuses an anonymous caller past its bucket with 429, Retry-After and RateLimit-* headers', async () => {
    const { capacity } = RATE_LIMITS.anonymous;
    const first = await call('/v1/status', fromIp('203.0.113.7'));
    expect(first.headers.get('RateLimit-Limit')).toBe(String(capacity));
    expect(first.headers.get('RateLimit-Remaining')).toBe(String(capacity - 1));

    const { calls, refused } = await callUntilRefused(capacity, () =>
      call('/v1/status', fromIp('203.0.113.7')),
    );
    expect(calls).toBeGreaterThanOrEqual(capacity);
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
    const { calls } = await callUntilRefused(limit, () =>
      call('/v1/upload', authed(user.key, { method: 'POST' })),
    );
    expect(calls).toBeGreaterThanOrEqual(limit - 1);
    expect((await call('/v1/tags', authed(user.key))).status).toBe(200);
  });

  it("scales an account's buckets by its plan's rate-limit multiplier", async () => {
    const free = await createUser('plan-free', { scopes: ['images:read'] });
    const pro = await createUser('plan-pro', { scopes: ['images:read'] });
    await createDb(env.DB).update(users).set({ plan: 'pro' }).where(eq(users.id, pro.id));
    const limitOf = async (key: string) =>
      Number((await call('/v1/tags', authed(key))).headers.get('RateLimit-Limit'));
    expect(await limitOf(free.key)).toBe(RATE_LIMITS.authenticated.capacity * PLANS.free.rateLimitMultiplier);
    expect(await limitOf(pro.key)).toBe(RATE_LIMITS.authenticated.capacity * PLANS.pro.rateLimitMultiplier);
  });
});
