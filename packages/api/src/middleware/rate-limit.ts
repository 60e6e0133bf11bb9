import { RATE_LIMITS, SCOPE_RATE_MULTIPLIERS, type RateLimitRule } from '@pixelflare/config';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { AppError } from '../lib/errors';
import type { AppEnv, Principal } from '../lib/types';
import { createKvTokenBucket, type RateLimiter } from '../services/rate-limit/token-bucket';
import { clientIp } from './client-ip';

const UPLOAD_PATHS = [/^\/v1\/upload$/, /^\/v1\/images$/, /^\/v1\/uploads\/tus/];

/** Which bucket a request draws from, and its size: anonymous per IP, authenticated per key or user. */
function rateLimitBucket(
  c: Context<AppEnv>,
  principal: Principal | null,
): { key: string; rule: RateLimitRule } {
  const isUpload = c.req.method !== 'GET' && UPLOAD_PATHS.some((pattern) => pattern.test(c.req.path));
  if (!principal) return { key: `ip:${clientIp(c)}`, rule: RATE_LIMITS.anonymous };
  const who = principal.keyId ? `key:${principal.keyId}` : `user:${principal.userId}`;
  const base = isUpload ? RATE_LIMITS.uploads : RATE_LIMITS.authenticated;
  const multiplier = principal.scopes.has('admin')
    ? SCOPE_RATE_MULTIPLIERS.admin
    : SCOPE_RATE_MULTIPLIERS.read;
  return {
    key: `${isUpload ? 'upload' : 'api'}:${who}`,
    rule: { capacity: base.capacity * multiplier, windowSeconds: base.windowSeconds },
  };
}

let limiter: RateLimiter | undefined;

/**
 * Token-bucket rate limiting for `/v1` and `/auth`. Every answer carries `RateLimit-*` headers; a refusal is
 * 429 with `Retry-After`. KV errors fail open (logged): an outage of the limiter must not take the API down.
 */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get('config').RATE_LIMIT_ENABLED || c.req.method === 'OPTIONS') return next();
  limiter ??= createKvTokenBucket();
  const { key, rule } = rateLimitBucket(c, c.get('principal'));
  const decision = await limiter.consume(c.env.KV, key, rule, {
    waitUntil: (promise) => c.executionCtx.waitUntil(promise),
    onError: (error) =>
      c.get('logger').warn('rate limiter unavailable, failing open', { error: String(error) }),
  });
  const headers = {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(decision.resetSeconds),
  };
  if (!decision.allowed) {
    throw new AppError(
      429,
      'RATE_LIMITED',
      `Too many requests; retry in ${decision.retryAfterSeconds} s`,
      undefined,
      {
        ...headers,
        'Retry-After': String(decision.retryAfterSeconds),
      },
    );
  }
  await next();
  for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
});
