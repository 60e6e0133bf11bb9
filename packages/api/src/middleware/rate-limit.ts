import { RATE_LIMITS, SCOPE_RATE_MULTIPLIERS, type RateLimitRule } from '@pixelflare/config';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { AppError } from '../lib/errors';
import type { AppEnv, Principal } from '../lib/types';
import { createKvTokenBucket, principalBucket, type RateLimiter } from '../services/rate-limit/token-bucket';
import { SIGN_IN_PAGE_PATH } from '../services/auth/authjs';
import { clientIp } from './client-ip';
import { planOf } from '../services/quotas/quotas';

const UPLOAD_PATHS = [/^\/v1\/upload(\/from-url)?$/, /^\/v1\/images$/, /^\/v1\/uploads\/tus/];

/** Which bucket a request draws from, and its size: anonymous per IP, authenticated per key or user. */
function rateLimitBucket(
  c: Context<AppEnv>,
  principal: Principal | null,
): { key: string; rule: RateLimitRule } {
  const isUpload = c.req.method !== 'GET' && UPLOAD_PATHS.some((pattern) => pattern.test(c.req.path));
  if (!principal) return { key: `ip:${clientIp(c)}`, rule: RATE_LIMITS.anonymous };
  const base = isUpload ? RATE_LIMITS.uploads : RATE_LIMITS.authenticated;
  // The broadest scope's multiplier times the plan's (PLANS[tier].rateLimitMultiplier).
  const multiplier =
    (principal.scopes.has('admin') ? SCOPE_RATE_MULTIPLIERS.admin : SCOPE_RATE_MULTIPLIERS.read) *
    planOf(principal.plan ?? 'free').rateLimitMultiplier;
  return {
    key: principalBucket(isUpload ? 'upload' : 'api', principal),
    rule: { capacity: base.capacity * multiplier, windowSeconds: base.windowSeconds },
  };
}

let limiter: RateLimiter | undefined;

/** Stripe's webhook endpoint: never in the anonymous per-IP bucket (see `stripeWebhookLimit`). */
const isStripeWebhook = (c: Context<AppEnv>) =>
  c.req.method === 'POST' && c.req.path === '/v1/billing/webhook';

/**
 * Takes a token from `key`'s bucket: 429 RATE_LIMITED with `Retry-After` once it is empty, else the
 * `RateLimit-*` headers for the answer. KV errors fail open (logged): an outage of the limiter must not take the
 * API down. Nothing is limited with RATE_LIMIT_ENABLED off.
 */
async function consumeRateLimit(
  c: Context<AppEnv>,
  key: string,
  rule: RateLimitRule,
): Promise<Record<string, string>> {
  if (!c.get('config').RATE_LIMIT_ENABLED) return {};
  limiter ??= createKvTokenBucket();
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
  return headers;
}

/**
 * Token-bucket rate limiting for `/v1` and `/auth`. Every answer carries `RateLimit-*` headers; a refusal is
 * 429 with `Retry-After`. The Stripe webhook is left to `stripeWebhookLimit` and `limitStripeDelivery`.
 */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get('config').RATE_LIMIT_ENABLED || c.req.method === 'OPTIONS' || isStripeWebhook(c)) return next();
  const { key, rule } = rateLimitBucket(c, c.get('principal'));
  const headers = await consumeRateLimit(c, key, rule);
  await next();
  for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
});

/** The one bucket every verified Stripe delivery draws from, whichever of Stripe's addresses sent it. */
const STRIPE_WEBHOOK_BUCKET = 'stripe:webhook';

/**
 * A delivery whose signature verified: a token from the webhook's own bucket (`RATE_LIMITS.stripeWebhook`),
 * sized for Stripe's bursts, its headers on the answer. A refusal is 429, which Stripe retries with backoff.
 */
export async function limitStripeDelivery(c: Context<AppEnv>): Promise<void> {
  const headers = await consumeRateLimit(c, STRIPE_WEBHOOK_BUCKET, RATE_LIMITS.stripeWebhook);
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
}

let forgedWebhookLimiter: RateLimiter | undefined;

/**
 * The Stripe webhook's guard before its signature is checked: each delivery refused for its signature (a 400)
 * takes a token from its client IP's bucket (`RATE_LIMITS.stripeWebhookForged`), and once that is empty the IP's
 * deliveries are refused with 429 before any verification. Stripe's own deliveries verify, so they never spend
 * it; a forger cannot make Stripe's deliveries wait. KV errors fail open.
 */
export const stripeWebhookLimit = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get('config').RATE_LIMIT_ENABLED) return next();
  forgedWebhookLimiter ??= createKvTokenBucket();
  const key = `stripe:forged:${clientIp(c)}`;
  const onError = (error: unknown) =>
    c.get('logger').warn('webhook limiter unavailable, failing open', { error: String(error) });
  const state = await forgedWebhookLimiter.peek(c.env.KV, key, RATE_LIMITS.stripeWebhookForged, { onError });
  if (!state.allowed) {
    throw new AppError(
      429,
      'RATE_LIMITED',
      `Too many deliveries with an invalid Stripe-Signature from this address; retry in ${state.retryAfterSeconds} s`,
      undefined,
      { 'Retry-After': String(state.retryAfterSeconds) },
    );
  }
  await next();
  if (c.res.status !== 400) return;
  await forgedWebhookLimiter.consume(c.env.KV, key, RATE_LIMITS.stripeWebhookForged, {
    waitUntil: (promise) => c.executionCtx.waitUntil(promise),
    onError,
  });
});

let failedAuthLimiter: RateLimiter | undefined;

/**
 * Auth.js answers a failed sign-in (refused at the provider, a bad or missing CSRF token, a forged callback)
 * with a redirect to the sign-in page naming the error. `Configuration` is the server's own failure (e.g. the
 * identity provider unreachable), not the caller's, so it is not counted.
 */
function isFailedSignInRedirect(response: Response): boolean {
  const location = response.headers.get('Location');
  if (response.status < 300 || response.status >= 400 || !location) return false;
  const url = new URL(location, 'http://localhost');
  const error = url.searchParams.get('error');
  return url.pathname === SIGN_IN_PAGE_PATH && error !== null && error !== 'Configuration';
}

/**
 * Brute force on credentials: each failed authentication (a 401) from a client IP takes a token from its
 * failed-auth bucket (`RATE_LIMITS.failedAuth`), and once the bucket is empty that IP's requests in the area
 * are refused with 429 before any credential is checked, so guessing stops, whether a guess would be right or
 * not. Runs before `authenticate`, which answers a bad credential at once. On `/v1` only requests presenting an
 * API key count (`Authorization`), so a browser whose session expired never locks itself out; on `/auth` a 401
 * or a failed sign-in's redirect counts. The two areas have separate buckets. KV errors fail open.
 */
export function failedAuthLimit(area: 'api' | 'signin') {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!c.get('config').RATE_LIMIT_ENABLED || c.req.method === 'OPTIONS') return next();
    if (area === 'api' && c.req.header('Authorization') === undefined) return next();
    failedAuthLimiter ??= createKvTokenBucket();
    const key = `authfail:${area}:${clientIp(c)}`;
    const onError = (error: unknown) =>
      c.get('logger').warn('failed-auth limiter unavailable, failing open', { error: String(error) });
    const state = await failedAuthLimiter.peek(c.env.KV, key, RATE_LIMITS.failedAuth, { onError });
    if (!state.allowed) {
      throw new AppError(
        429,
        'RATE_LIMITED',
        `Too many failed ${area === 'api' ? 'API key' : 'sign-in'} attempts from this address; retry in ${state.retryAfterSeconds} s`,
        undefined,
        { 'Retry-After': String(state.retryAfterSeconds) },
      );
    }
    await next();
    if (!(c.res.status === 401 || (area === 'signin' && isFailedSignInRedirect(c.res)))) return;
    await failedAuthLimiter.consume(c.env.KV, key, RATE_LIMITS.failedAuth, {
      waitUntil: (promise) => c.executionCtx.waitUntil(promise),
      onError,
    });
  });
}
