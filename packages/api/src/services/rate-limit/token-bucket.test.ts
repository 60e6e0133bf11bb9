import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createKvTokenBucket, type ConsumeOptions } from './token-bucket';

const rule = { capacity: 3, windowSeconds: 30 };

function options(now: number, pending: Promise<unknown>[], errors: unknown[] = []): ConsumeOptions {
  return { now, waitUntil: (promise) => pending.push(promise), onError: (error) => errors.push(error) };
}

describe('KV token bucket', () => {
  it('refuses once empty, says when to retry, and refills over the window', async () => {
    const limiter = createKvTokenBucket();
    const pending: Promise<unknown>[] = [];
    const t0 = 1_800_000_000_000;
    const decisions = [];
    for (let i = 0; i < 4; i++)
      decisions.push(await limiter.consume(env.KV, 'refill', rule, options(t0, pending)));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions[2]?.remaining).toBe(0);
    // One token per 10 s at 3 per 30 s.
    expect(decisions[3]?.retryAfterSeconds).toBe(10);
    expect((await limiter.consume(env.KV, 'refill', rule, options(t0 + 10_000, pending))).allowed).toBe(true);
    await Promise.all(pending);
  });

  it('writes a refusal through to KV, so a fresh isolate refuses too', async () => {
    const t0 = 1_800_000_000_000;
    const pending: Promise<unknown>[] = [];
    const first = createKvTokenBucket();
    for (let i = 0; i < 4; i++) await first.consume(env.KV, 'shared', rule, options(t0, pending));
    await Promise.all(pending);
    const second = createKvTokenBucket();
    expect((await second.consume(env.KV, 'shared', rule, options(t0, pending))).allowed).toBe(false);
    await Promise.all(pending);
  });

  it('writes to KV at most once per flush interval per key while allowing', async () => {
    const limiter = createKvTokenBucket(10_000);
    const pending: Promise<unknown>[] = [];
    const big = { capacity: 1000, windowSeconds: 60 };
    const t0 = 1_800_000_000_000;
    // 100 requests over 20 s: one every 200 ms.
    for (let i = 0; i < 100; i++) await limiter.consume(env.KV, 'busy', big, options(t0 + i * 200, pending));
    await Promise.all(pending);
    expect(limiter.writes).toBeLessThanOrEqual(3);
    expect(limiter.writes).toBeGreaterThanOrEqual(1);
  });

  it('does not write to KV for every refused request of a client hammering a 429', async () => {
    const limiter = createKvTokenBucket(10_000);
    const pending: Promise<unknown>[] = [];
    const t0 = 1_800_000_000_000;
    // 3 allowed, then 47 refused within 5 s: the first write and the first refusal only.
    for (let i = 0; i < 50; i++)
      await limiter.consume(env.KV, 'hammer', rule, options(t0 + i * 100, pending));
    await Promise.all(pending);
    expect(limiter.writes).toBe(2);
  });

  it('fails open when KV throws, reporting the error', async () => {
    const broken = {
      get: () => Promise.reject(new Error('KV unavailable')),
      put: () => Promise.reject(new Error('KV unavailable')),
    } as unknown as KVNamespace;
    const errors: unknown[] = [];
    const limiter = createKvTokenBucket();
    const decision = await limiter.consume(broken, 'down', rule, options(Date.now(), [], errors));
    expect(decision.allowed).toBe(true);
    expect(String(errors[0])).toContain('KV unavailable');
  });
});
